"""The words an article is found by beyond its title and excerpt: its URL slug, its file name, its source and
its topics. Real titles are short ("Update 2.1"), and the words a reader types often sit only in the slug
(``…/microsoft-power-apps-update``) or the file name (``2019-08-19-power-apps-portals.md``).

The words are stored in ``articles.search_keywords`` and indexed with the title and excerpt (revision 0006);
a hit on them ranks below any title or excerpt hit (storage.catalog.listings).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from storage.content.article import ArticleDoc

MAX_KEYWORDS = 48  # words: a slug, a file name, a source and a few topics fit easily
_WORD = re.compile(r"[^\W_]+")  # as the search tokenizer splits: letters and digits
_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-")  # Jekyll's YYYY-MM-DD-slug file names
_NOISE = frozenset({"www", "amp", "html", "htm", "php", "aspx", "index", "md"})


def search_keywords(doc: ArticleDoc, path: str) -> str | None:
    """The article's extra search words, space-separated, each once (in lower case), without numbers,
    noise (``www``, ``html``) or words its title or excerpt already hold; None when there are none."""
    sources: list[str] = []
    for url in (doc.web_url, doc.original_url):
        if url:
            sources.append(unquote(urlsplit(url).path))
    sources.append(_DATED_NAME.sub("", PurePosixPath(path).stem))
    provider = doc.provider
    if provider is not None:
        sources.append(provider.name or "")
        domain = provider.domain or ""
        host = urlsplit(domain).hostname if "://" in domain else domain  # a domain written as a URL
        labels = (host or "").split(".")
        sources.append(" ".join(labels[:-1] if len(labels) > 1 else labels))  # the host without its TLD
    sources.extend(doc.topics)
    # lower(), not casefold(): neither search tokenizer turns "ß" into "ss".
    seen = {word.lower() for word in _WORD.findall(f"{doc.title} {doc.excerpt or ''}")}
    words: list[str] = []
    for word in _WORD.findall(" ".join(sources)):
        folded = word.lower()
        if folded in seen or folded in _NOISE or word.isdigit():
            continue
        seen.add(folded)
        words.append(folded)
        if len(words) == MAX_KEYWORDS:
            break
    return " ".join(words) or None
