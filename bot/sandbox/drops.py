"""The sandbox's operator panel: drop a copy of a sample article, or paste a new one, into the folder."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from storage.content.files import iter_article_files
from storage.content.frontmatter import FrontMatterError, split_front_matter
from storage.content.parsing import parse_article

DROPS = "sandbox-drops"


class ContentDrops:
    """Writes articles into the watched folder the way operators are told to: a temporary name, a rename."""

    def __init__(self, samples: Path, content: Path) -> None:
        self.samples_dir = samples
        self.content = content
        self._serial = itertools.count(int(time.time()))

    def samples(self) -> list[dict[str, str]]:
        found = []
        for path in iter_article_files(self.samples_dir):
            parsed = parse_article(path.read_bytes(), path.name)
            if parsed.article is not None:
                found.append(
                    {"name": path.relative_to(self.samples_dir).as_posix(), "title": parsed.article.title}
                )
        return found

    def _write(self, name: str, text: str) -> str:
        folder = self.content / DROPS
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{name}.tmp"
        temporary.write_text(text, encoding="utf-8")
        temporary.rename(folder / name)
        return f"{DROPS}/{name}"

    def drop_sample(self, name: str) -> str:
        """A copy of a sample as a brand-new article: its own webUrl, published now."""
        path = (self.samples_dir / name).resolve()
        if self.samples_dir.resolve() not in path.parents or not path.is_file():
            raise KeyError(f"no sample {name!r}")
        front = split_front_matter(path.read_bytes())
        fields: dict[str, Any] = yaml.safe_load(front.text)
        serial = next(self._serial)
        url = str(fields["webUrl"])
        fields["webUrl"] = f"{url}{'&' if '?' in url else '?'}sandbox={serial}"
        fields["publishedDateTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\n" + front.body
        return self._write(f"{Path(name).stem}-{serial}.md", text)

    def paste(self, text: str) -> tuple[str | None, list[str]]:
        """Validate a pasted article; write it when it is good, else return its error lines."""
        data = text.replace("\r\n", "\n").encode("utf-8")
        parsed = parse_article(data, "pasted.md")
        errors = [str(d) for d in parsed.diagnostics if d.is_error]
        if parsed.article is None:
            return None, errors or ["pasted.md: error: not an article"]
        return self._write(f"pasted-{next(self._serial)}.md", data.decode("utf-8")), []


__all__ = ["ContentDrops", "FrontMatterError"]
