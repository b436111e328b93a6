"""Article files to ``ArticleDoc``: every field checked, every problem reported once. Bytes in, result out.

At the top level a wrong field is an error and the file is skipped. Inside ``images`` and ``related`` a
problem degrades instead: an entry without a usable URL is dropped, any other bad field is ignored, and each
is a warning. A field outside the format warns only when it looks like a typo of a known one (``webURL``,
``titel``); any other is kept silently where the model has an ``extra`` and listed in ``unknown_fields``, so
a folder's summary can name it once instead of once per file.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from storage.content import fields
from storage.content.article import ArticleDoc, Image, Provider, RelatedLink
from storage.content.diagnostics import Diagnostic, Severity
from storage.content.frontmatter import (
    FrontMatterError,
    YamlMapping,
    YamlSequence,
    as_text,
    describe,
    describe_item,
    load_yaml,
    split_front_matter,
)
from storage.content.topics import clean_topic_name, topic_key
from storage.content.urls import is_http_url, normalize_url

MAX_ARTICLE_BYTES = 1 << 20

# Spelled as in the files. Split in two rows only to keep the lines short.
ARTICLE_FIELDS = (
    *("title", "webUrl", "originalUrl", "publishedDateTime", "topics", "excerpt", "category", "type"),
    *("ampWebUrl", "cdnAmpWebUrl", "quality", "heat", "published", "provider", "images", "related"),
    *("secured", "featuredContent"),
)
RELATED_FIELDS = (
    *("title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "provider"),
    *("quality", "images"),
)
IMAGE_FIELDS = ("url", "width", "height", "isCached")
PROVIDER_FIELDS = ("name", "domain", "images")
# The player a video's featuredContent embeds: only its src is ever used, never the HTML.
_IFRAME_SRC = re.compile(r"""<iframe\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)

_INDEX = re.compile(r"\[\d+\]")
TYPO_SIMILARITY = 0.8  # difflib's ratio from which an unknown field is taken for a misspelt known one
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The article, or None when any diagnostic is an error; ``lines`` gives the file line of each field."""

    article: ArticleDoc | None
    diagnostics: tuple[Diagnostic, ...]
    lines: Mapping[str, int] = field(default_factory=dict)
    unknown_fields: frozenset[str] = (
        frozenset()
    )  # fields outside the format, indexes as [] (images[].caption)


def parse_article(data: bytes, path: str, max_bytes: int = MAX_ARTICLE_BYTES) -> ParseResult:
    """Check one article file. ``path`` is only used to name the file in diagnostics."""
    if len(data) > max_bytes:
        return _failure(path, f"file is larger than the limit of {max_bytes} bytes", None, "file too large")
    try:
        front = split_front_matter(data)
        document = load_yaml(front.text, front.line_offset)
    except FrontMatterError as error:
        return _failure(path, error.message, error.line, error.reason)
    if document is None:
        message = "front matter is empty: it needs at least title, webUrl, publishedDateTime, topics"
        return _failure(path, message, 1, "empty front matter")
    if not isinstance(document, YamlMapping):
        message = f"front matter must be a mapping of fields ('name: value' lines), got {describe(document)}"
        return _failure(path, message, front.line_offset + 1, "front matter not a mapping")
    reader = _ArticleReader(path)
    article = reader.article(document, front.body)
    diagnostics = tuple(sorted(reader.diagnostics, key=lambda item: item.line or 0))
    unknown = frozenset(reader.unknown_fields)
    return ParseResult(None if reader.errors else article, diagnostics, document.key_lines, unknown)


def _failure(path: str, message: str, line: int | None, reason: str) -> ParseResult:
    return ParseResult(None, (Diagnostic(path, "error", message, line, reason),))


class _ArticleReader:
    """Reads fields out of the front matter, collecting diagnostics instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.errors = 0
        self.unknown_fields: set[str] = set()

    def report(self, severity: Severity, message: str, line: int | None, reason: str) -> None:
        """One problem; ``reason`` is its kind without this file's values (fields named as ``images[].url``)."""
        self.errors += severity == "error"
        self.diagnostics.append(Diagnostic(self.path, severity, message, line, _INDEX.sub("[]", reason)))

    def article(self, doc: YamlMapping, body: str) -> ArticleDoc | None:
        title = self.required(doc, "title", fields.text)
        link_field = "webUrl" if "webUrl" in doc or "originalUrl" not in doc else "originalUrl"
        link = self.required(doc, link_field, fields.url, "'webUrl' (or 'originalUrl', the link of a video)")
        original_url = (
            link if link_field == "originalUrl" else self.optional(doc, "originalUrl", fields.url, "error")
        )
        published_at = self.required(doc, "publishedDateTime", self.timestamp_of("error"))
        topics = self.topics(doc)
        optional: dict[str, Any] = {
            "original_url": original_url,
            "player_url": self.player_url(doc),
            "excerpt": self.optional(doc, "excerpt", fields.text, "error") or None,
            "category": self.optional(doc, "category", fields.text, "error") or None,
            "type": self.optional(doc, "type", fields.text, "error") or None,
            "amp_web_url": self.optional(doc, "ampWebUrl", fields.url, "error"),
            "cdn_amp_web_url": self.optional(doc, "cdnAmpWebUrl", fields.url, "error"),
            "quality": self.optional(doc, "quality", fields.quality, "error"),
            "heat": self.optional(doc, "heat", fields.heat, "error"),
            "published": self.optional(doc, "published", fields.boolean, "error"),
            "provider": self.provider(doc, "provider", "error"),
            "images": self.images(doc, "images", "images", "error"),
            "related": self.related(doc),
            "secured": self.optional(doc, "secured", fields.opaque, "error"),
            "extra": self.unknown(doc, ARTICLE_FIELDS, "", keep=True),
        }
        if self.errors or not title or link is None or published_at is None:
            return None
        url_key = normalize_url(link)
        return ArticleDoc(title, link, url_key, published_at, topics, body=body, **optional)

    def player_url(self, doc: YamlMapping) -> str | None:
        """The http(s) URL of the player ``featuredContent`` embeds (its first iframe), if it has one."""
        content = self.optional(doc, "featuredContent", fields.opaque, "warning", consequence="; ignored")
        found = _IFRAME_SRC.search(content or "")
        if found is None:
            return None
        src = html.unescape(next(group for group in found.groups() if group is not None)).strip()
        if src.startswith("//"):
            src = "https:" + src  # a protocol-relative embed, as players publish them
        if not is_http_url(src):
            message = f"field 'featuredContent' embeds a player at {fields.shorten(src)!r}, not an http(s) URL; ignored"
            self.report("warning", message, doc.key_lines["featuredContent"], "player not an http(s) URL")
            return None
        return src

    # Field access: one place decides what is missing, what is reported and at which line.

    def required(
        self, doc: YamlMapping, key: str, convert: Callable[[YamlMapping, str], _T], missing: str = ""
    ) -> _T | None:
        if key not in doc:
            self.report(
                "error", f"missing required field {missing or repr(key)}", None, f"missing field '{key}'"
            )
            return None
        value = self.optional(doc, key, convert, "error")
        if value == "" or doc[key] is None:
            self.report("error", f"field '{key}' is empty", doc.key_lines[key], f"empty field '{key}'")
        return value

    def optional(
        self,
        mapping: YamlMapping,
        key: str,
        convert: Callable[[YamlMapping, str], _T],
        severity: Severity,
        label: str = "",
        consequence: str = "",
    ) -> _T | None:
        """The converted field, or None when absent; a bad value is reported at ``severity``."""
        if mapping.get(key) is None:
            return None
        try:
            return convert(mapping, key)
        except fields.Invalid as problem:
            line = mapping.key_lines[key]
            message = f"field '{label or key}' {problem}{consequence}"
            self.report(severity, message, line, f"invalid field '{label or key}'")
            return None

    def timestamp_of(self, severity: Severity, label: str = "") -> Callable[[YamlMapping, str], datetime]:
        """A date converter that warns when a date has no time, naming the field as ``label``."""

        def convert(container: YamlMapping, key: str) -> datetime:
            value, date_only = fields.timestamp(container[key])
            if date_only:
                message = f"field '{label or key}' has a date but no time; midnight UTC assumed"
                self.report(
                    "warning", message, container.key_lines[key], f"date without time: '{label or key}'"
                )
            return value

        return convert

    def unknown(
        self, mapping: YamlMapping, known: tuple[str, ...], prefix: str, keep: bool
    ) -> dict[str, Any]:
        """Fields not in ``known``: a likely typo warns, any other is noted silently; with ``keep``, return
        them made JSON-safe."""
        extra = {}
        for key in [key for key in mapping if key not in known]:
            meant = likely_typo(key, known)
            if meant is not None:
                fate = "kept as extra" if keep else "ignored"
                message = f"unknown field {prefix + key!r} ({fate}); did you mean '{meant}'?"
                self.report("warning", message, mapping.key_lines[key], "likely misspelt field name")
            else:
                self.unknown_fields.add(_INDEX.sub("[]", prefix + key))
            if keep:
                extra[key] = fields.json_safe(mapping[key])
        return extra

    # Structured fields.

    def topics(self, doc: YamlMapping) -> tuple[str, ...]:
        value = doc.get("topics")
        if "topics" not in doc:
            self.report("error", "missing required field 'topics'", None, "missing field 'topics'")
            return ()
        line = doc.key_lines["topics"]
        if value is None:
            self.report(
                "error", "field 'topics' is empty: list at least one topic", line, "empty field 'topics'"
            )
            return ()
        if not isinstance(value, YamlSequence):
            message = (
                f"field 'topics' must be a list of names, e.g. topics: [AI, Climate], got {describe(value)}"
            )
            self.report("error", message, line, "invalid field 'topics'")
            return ()
        if not value:
            self.report(
                "error", "field 'topics' is empty: list at least one topic", line, "empty field 'topics'"
            )
        names: dict[str, str] = {}
        for index, item_line in enumerate(value.item_lines):
            name = as_text(value, index)
            if name is None:
                got = describe_item(value, index)
                message = f"field 'topics[{index}]' must be text, got {got}; put it in quotes"
                self.report("error", message, item_line, "invalid field 'topics[]'")
            elif not name.strip():
                self.report("error", f"field 'topics[{index}]' is empty", item_line, "empty field 'topics[]'")
            else:
                names.setdefault(topic_key(name), clean_topic_name(name))
        return tuple(names.values())

    def provider(
        self, mapping: YamlMapping, key: str, severity: Severity, label: str = ""
    ) -> Provider | None:
        value = mapping.get(key)
        label = label or key
        if value is None:
            return None
        suffix = "; ignored" if severity == "warning" else ""  # an error needs no note: the file is skipped
        if not isinstance(value, YamlMapping):
            message = f"field '{label}' must be a mapping with name and domain, got {describe(value)}{suffix}"
            self.report(severity, message, mapping.key_lines[key], f"invalid field '{label}'")
            return None
        name = self.optional(value, "name", fields.text, severity, f"{label}.name", suffix) or None
        domain = self.optional(value, "domain", fields.text, severity, f"{label}.domain", suffix) or None
        logos = self.images(value, "images", f"{label}.images", "warning")  # the source's logo
        self.unknown(value, PROVIDER_FIELDS, f"{label}.", keep=False)
        if name is None and domain is None and not logos:
            return None
        return Provider(name, domain, logos)

    def entries(
        self, mapping: YamlMapping, key: str, label: str, severity: Severity
    ) -> list[tuple[str, Any, int]]:
        """The items of a list field with their labels and lines; a field that is no list is reported."""
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, YamlSequence):
            suffix = "; ignored" if severity == "warning" else ""
            message = f"field '{label}' must be a list, got {describe(value)}{suffix}"
            self.report(severity, message, mapping.key_lines[key], f"invalid field '{label}'")
            return []
        return [
            (f"{label}[{index}]", item, line)
            for index, (item, line) in enumerate(zip(value, value.item_lines, strict=True))
        ]

    def images(self, mapping: YamlMapping, key: str, label: str, severity: Severity) -> tuple[Image, ...]:
        images = []
        for entry, item, line in self.entries(mapping, key, label, severity):
            if not isinstance(item, YamlMapping):
                message = f"field '{entry}' must be a mapping, got {describe(item)}; image dropped"
                self.report("warning", message, line, f"invalid field '{entry}'")
                continue
            url = self.entry_url(item, "url", entry, "image dropped")
            if url is None:
                continue
            images.append(
                Image(
                    url=url,
                    width=self.ignorable(item, "width", fields.size, entry),
                    height=self.ignorable(item, "height", fields.size, entry),
                    is_cached=self.ignorable(item, "isCached", fields.boolean, entry),
                    extra=self.unknown(item, IMAGE_FIELDS, f"{entry}.", keep=True),
                )
            )
        return tuple(images)

    def related(self, doc: YamlMapping) -> tuple[RelatedLink, ...]:
        links = []
        for entry, item, line in self.entries(doc, "related", "related", "error"):
            if not isinstance(item, YamlMapping):
                message = f"field '{entry}' must be a mapping, got {describe(item)}; related link dropped"
                self.report("warning", message, line, f"invalid field '{entry}'")
                continue
            web_url = self.entry_url(item, "webUrl", entry, "related link dropped")
            if web_url is None:
                continue
            published_at = self.timestamp_of("warning", f"{entry}.publishedDateTime")
            links.append(
                RelatedLink(
                    web_url=web_url,
                    title=self.ignorable(item, "title", fields.text, entry) or None,
                    excerpt=self.ignorable(item, "excerpt", fields.text, entry) or None,
                    published_at=self.ignorable(item, "publishedDateTime", published_at, entry),
                    amp_web_url=self.ignorable(item, "ampWebUrl", fields.url, entry),
                    cdn_amp_web_url=self.ignorable(item, "cdnAmpWebUrl", fields.url, entry),
                    type=self.ignorable(item, "type", fields.text, entry) or None,
                    provider=self.provider(item, "provider", "warning", f"{entry}.provider"),
                    quality=self.ignorable(item, "quality", fields.quality, entry),
                    images=self.images(item, "images", f"{entry}.images", "warning"),
                )
            )
            self.unknown(item, RELATED_FIELDS, f"{entry}.", keep=False)
        return tuple(links)

    def ignorable(
        self, item: YamlMapping, key: str, convert: Callable[[YamlMapping, str], _T], entry: str
    ) -> _T | None:
        """A field of an images or related entry: a bad value is a warning and is left out."""
        return self.optional(item, key, convert, "warning", f"{entry}.{key}", "; ignored")

    def entry_url(self, item: YamlMapping, key: str, label: str, consequence: str) -> str | None:
        """The URL an entry stands on; without one the entry is dropped with a warning."""
        if item.get(key) is None:
            message = f"field '{label}.{key}' is missing; {consequence}"
            self.report("warning", message, item.line, f"missing field '{label}.{key}'")
            return None
        return self.optional(item, key, fields.url, "warning", f"{label}.{key}", f"; {consequence}")


def likely_typo(key: str, known: tuple[str, ...]) -> str | None:
    """The known field ``key`` is probably a misspelling of (``webURL`` → webUrl, ``titel`` → title), if any."""
    folded = key.casefold()
    for name in known:
        if name.casefold() == folded:
            return name
        if folded.startswith(name.casefold()) and not key[len(name)].isalpha():
            return None  # a deliberate variant of a known field (excerpt_2, title-short), not a typo
    close = difflib.get_close_matches(key, known, n=1, cutoff=TYPO_SIMILARITY)
    return close[0] if close else None
