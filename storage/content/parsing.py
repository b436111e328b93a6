"""Article files to ``ArticleDoc``: every field checked, every problem reported once. Bytes in, result out.

At the top level a wrong field is an error and the file is skipped. Inside ``images`` and ``related`` a
problem degrades instead: an entry without a usable URL is dropped, any other bad field is ignored, and each
is a warning. Unknown fields are warnings everywhere; they are kept where the model has an ``extra``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

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
    *("title", "webUrl", "publishedDateTime", "topics", "excerpt", "category", "type", "ampWebUrl"),
    *("cdnAmpWebUrl", "quality", "heat", "published", "provider", "images", "related", "secured"),
)
RELATED_FIELDS = (
    *("title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "provider"),
    *("quality", "images"),
)
IMAGE_FIELDS = ("url", "width", "height", "isCached")
PROVIDER_FIELDS = ("name", "domain")

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off"})
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The article, or None when any diagnostic is an error; ``lines`` gives the file line of each field."""

    article: ArticleDoc | None
    diagnostics: tuple[Diagnostic, ...]
    lines: Mapping[str, int] = field(default_factory=dict)


class _Invalid(Exception):
    """A value that does not fit its field; the message completes "field 'x' …"."""


def parse_article(data: bytes, path: str, max_bytes: int = MAX_ARTICLE_BYTES) -> ParseResult:
    """Check one article file. ``path`` is only used to name the file in diagnostics."""
    if len(data) > max_bytes:
        return _failure(path, f"file is larger than the limit of {max_bytes} bytes", None)
    try:
        front = split_front_matter(data)
        document = load_yaml(front.text, front.line_offset)
    except FrontMatterError as error:
        return _failure(path, error.message, error.line)
    if document is None:
        return _failure(
            path, "front matter is empty: it needs at least title, webUrl, publishedDateTime, topics", 1
        )
    if not isinstance(document, YamlMapping):
        message = f"front matter must be a mapping of fields ('name: value' lines), got {describe(document)}"
        return _failure(path, message, front.line_offset + 1)
    reader = _ArticleReader(path)
    article = reader.article(document, front.body)
    diagnostics = tuple(sorted(reader.diagnostics, key=lambda item: item.line or 0))
    return ParseResult(None if reader.errors else article, diagnostics, document.key_lines)


def _failure(path: str, message: str, line: int | None) -> ParseResult:
    return ParseResult(None, (Diagnostic(path, "error", message, line),))


class _ArticleReader:
    """Reads fields out of the front matter, collecting diagnostics instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.errors = 0

    def report(self, severity: Severity, message: str, line: int | None) -> None:
        self.errors += severity == "error"
        self.diagnostics.append(Diagnostic(self.path, severity, message, line))

    def article(self, doc: YamlMapping, body: str) -> ArticleDoc | None:
        title = self.required(doc, "title", _text)
        web_url = self.required(doc, "webUrl", _url)
        published_at = self.required(doc, "publishedDateTime", self.timestamp_of("error"))
        topics = self.topics(doc)
        optional: dict[str, Any] = {
            "excerpt": self.optional(doc, "excerpt", _text, "error") or None,
            "category": self.optional(doc, "category", _text, "error") or None,
            "type": self.optional(doc, "type", _text, "error") or None,
            "amp_web_url": self.optional(doc, "ampWebUrl", _url, "error"),
            "cdn_amp_web_url": self.optional(doc, "cdnAmpWebUrl", _url, "error"),
            "quality": self.optional(doc, "quality", _quality, "error"),
            "heat": self.optional(doc, "heat", _heat, "error"),
            "published": self.optional(doc, "published", _boolean, "error"),
            "provider": self.provider(doc, "provider", "error"),
            "images": self.images(doc, "images", "images", "error"),
            "related": self.related(doc),
            "secured": self.optional(doc, "secured", _opaque, "error"),
            "extra": self.unknown(doc, ARTICLE_FIELDS, "", keep=True),
        }
        if self.errors or not title or web_url is None or published_at is None:
            return None
        url_key = normalize_url(web_url)
        return ArticleDoc(title, web_url, url_key, published_at, topics, body=body, **optional)

    # Field access: one place decides what is missing, what is reported and at which line.

    def required(self, doc: YamlMapping, key: str, convert: Callable[[YamlMapping, str], _T]) -> _T | None:
        if key not in doc:
            self.report("error", f"missing required field '{key}'", None)
            return None
        value = self.optional(doc, key, convert, "error")
        if value == "" or doc[key] is None:
            self.report("error", f"field '{key}' is empty", doc.key_lines[key])
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
        except _Invalid as problem:
            line = mapping.key_lines[key]
            self.report(severity, f"field '{label or key}' {problem}{consequence}", line)
            return None

    def timestamp_of(self, severity: Severity, label: str = "") -> Callable[[YamlMapping, str], datetime]:
        """A date converter that warns when a date has no time, naming the field as ``label``."""

        def convert(container: YamlMapping, key: str) -> datetime:
            value, date_only = _timestamp(container[key])
            if date_only:
                message = f"field '{label or key}' has a date but no time; midnight UTC assumed"
                self.report("warning", message, container.key_lines[key])
            return value

        return convert

    def unknown(
        self, mapping: YamlMapping, known: tuple[str, ...], prefix: str, keep: bool
    ) -> dict[str, Any]:
        """Warn about each field not in ``known``; with ``keep``, return them made JSON-safe."""
        extra = {}
        for key in [key for key in mapping if key not in known]:
            hint = next(
                (f" (did you mean '{name}'?)" for name in known if name.casefold() == key.casefold()), ""
            )
            fate = "kept as extra" if keep else "ignored"
            self.report("warning", f"unknown field {prefix + key!r} ({fate}){hint}", mapping.key_lines[key])
            if keep:
                extra[key] = _json_safe(mapping[key])
        return extra

    # Structured fields.

    def topics(self, doc: YamlMapping) -> tuple[str, ...]:
        value = doc.get("topics")
        if "topics" not in doc:
            self.report("error", "missing required field 'topics'", None)
            return ()
        line = doc.key_lines["topics"]
        if value is None:
            self.report("error", "field 'topics' is empty: list at least one topic", line)
            return ()
        if not isinstance(value, YamlSequence):
            message = (
                f"field 'topics' must be a list of names, e.g. topics: [AI, Climate], got {describe(value)}"
            )
            self.report("error", message, line)
            return ()
        if not value:
            self.report("error", "field 'topics' is empty: list at least one topic", line)
        names: dict[str, str] = {}
        for index, item_line in enumerate(value.item_lines):
            name = as_text(value, index)
            if name is None:
                got = describe_item(value, index)
                self.report(
                    "error", f"field 'topics[{index}]' must be text, got {got}; put it in quotes", item_line
                )
            elif not name.strip():
                self.report("error", f"field 'topics[{index}]' is empty", item_line)
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
            self.report(severity, message, mapping.key_lines[key])
            return None
        name = self.optional(value, "name", _text, severity, f"{label}.name", suffix) or None
        domain = self.optional(value, "domain", _text, severity, f"{label}.domain", suffix) or None
        self.unknown(value, PROVIDER_FIELDS, f"{label}.", keep=False)
        return None if name is None and domain is None else Provider(name, domain)

    def entries(
        self, mapping: YamlMapping, key: str, label: str, severity: Severity
    ) -> list[tuple[str, Any, int]]:
        """The items of a list field with their labels and lines; a field that is no list is reported."""
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, YamlSequence):
            suffix = "; ignored" if severity == "warning" else ""
            self.report(
                severity,
                f"field '{label}' must be a list, got {describe(value)}{suffix}",
                mapping.key_lines[key],
            )
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
                self.report("warning", message, line)
                continue
            url = self.entry_url(item, "url", entry, "image dropped")
            if url is None:
                continue
            images.append(
                Image(
                    url=url,
                    width=self.ignorable(item, "width", _size, entry),
                    height=self.ignorable(item, "height", _size, entry),
                    is_cached=self.ignorable(item, "isCached", _boolean, entry),
                    extra=self.unknown(item, IMAGE_FIELDS, f"{entry}.", keep=True),
                )
            )
        return tuple(images)

    def related(self, doc: YamlMapping) -> tuple[RelatedLink, ...]:
        links = []
        for entry, item, line in self.entries(doc, "related", "related", "error"):
            if not isinstance(item, YamlMapping):
                message = f"field '{entry}' must be a mapping, got {describe(item)}; related link dropped"
                self.report("warning", message, line)
                continue
            web_url = self.entry_url(item, "webUrl", entry, "related link dropped")
            if web_url is None:
                continue
            published_at = self.timestamp_of("warning", f"{entry}.publishedDateTime")
            links.append(
                RelatedLink(
                    web_url=web_url,
                    title=self.ignorable(item, "title", _text, entry) or None,
                    excerpt=self.ignorable(item, "excerpt", _text, entry) or None,
                    published_at=self.ignorable(item, "publishedDateTime", published_at, entry),
                    amp_web_url=self.ignorable(item, "ampWebUrl", _url, entry),
                    cdn_amp_web_url=self.ignorable(item, "cdnAmpWebUrl", _url, entry),
                    type=self.ignorable(item, "type", _text, entry) or None,
                    provider=self.provider(item, "provider", "warning", f"{entry}.provider"),
                    quality=self.ignorable(item, "quality", _quality, entry),
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
            self.report("warning", f"field '{label}.{key}' is missing; {consequence}", item.line)
            return None
        return self.optional(item, key, _url, "warning", f"{label}.{key}", f"; {consequence}")


# Converters: (container, key) -> value, raising _Invalid with the rest of the sentence.


def _opaque(container: YamlMapping, key: str) -> str:
    text = as_text(container, key)
    if text is None:
        raise _Invalid(f"must be text, got {describe_item(container, key)}; put the value in quotes")
    return text


def _text(container: YamlMapping, key: str) -> str:
    return _opaque(container, key).strip()


def _url(container: YamlMapping, key: str) -> str:
    value = container[key]
    text = value.strip() if isinstance(value, str) else None
    if text is None or not is_http_url(text):
        shown = repr(_shorten(value)) if isinstance(value, str) else describe(value)
        raise _Invalid(f"must be an absolute http or https URL, got {shown}")
    return text


def _integer(container: YamlMapping, key: str, low: int, high: int | None) -> int:
    value = container[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"must be a whole number, got {describe_item(container, key)}")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _Invalid(f"must be a whole number {bounds}, got {value}")
    return value


def _quality(container: YamlMapping, key: str) -> int:
    return _integer(container, key, 0, 100)


def _heat(container: YamlMapping, key: str) -> int:
    return _integer(container, key, -1, None)  # -1: heat unknown


def _size(container: YamlMapping, key: str) -> int:
    return _integer(container, key, 0, None)


def _boolean(container: YamlMapping, key: str) -> bool:
    value = container[key]
    if not isinstance(value, bool):
        quoted = isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS
        hint = " (without quotes)" if quoted else ""
        raise _Invalid(f"must be true or false{hint}, got {describe_item(container, key)}")
    return value


def _timestamp(value: object) -> tuple[datetime, bool]:
    """A UTC datetime, and whether it came from a date alone."""
    date_only = False
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE_ONLY.fullmatch(text):
                value, date_only = datetime.fromisoformat(text), True
            else:
                value = datetime.fromisoformat(text)
        except ValueError:
            raise _Invalid(
                f"is not a date and time: {_shorten(text)!r}; write ISO 8601, e.g. 2026-03-01T09:30:00Z"
            ) from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value, date_only = datetime(value.year, value.month, value.day), True
    if not isinstance(value, datetime):
        raise _Invalid(f"must be a date and time, got {describe(value)}")
    try:
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)), date_only
    except OverflowError:
        raise _Invalid("is out of range") from None


def _json_safe(value: Any) -> Any:
    """Plain JSON values: the containers made plain, dates as ISO text, nan and inf as text."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
