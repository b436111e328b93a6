"""Front matter: splitting an article file and loading its YAML safely.

The YAML is read from libyaml's event stream and built here in one pass, instead of ``yaml.load``. That is
what makes the loader safe and cheap at once: anchors and aliases are refused at their first event, so an
alias bomb costs nothing; tags other than the plain core schema are refused before anything is constructed;
duplicate keys are caught (PyYAML keeps the last one silently); and every key remembers its line without a
second pass over a node tree.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Far deeper than any article needs; the limit keeps every later walk over the data free of recursion limits.
MAX_NESTING = 32

_CORE = "tag:yaml.org,2002:"
_STR_TAG = _CORE + "str"
_COLLECTION_TAGS = frozenset({None, "!", _CORE + "map", _CORE + "seq"})
_KEY_TAGS = frozenset({"!", _STR_TAG})  # keys are taken as written, so only a text tag makes sense
_SCALAR_CONSTRUCTORS: dict[str, Callable[[Any, ScalarNode], Any]] = {
    _CORE + "null": yaml.SafeLoader.construct_yaml_null,
    _CORE + "bool": yaml.SafeLoader.construct_yaml_bool,
    _CORE + "int": yaml.SafeLoader.construct_yaml_int,
    _CORE + "float": yaml.SafeLoader.construct_yaml_float,
    _CORE + "timestamp": yaml.SafeLoader.construct_yaml_timestamp,
}
_IMPLICIT_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_DELIMITER = re.compile(r"^---[ \t]*$", re.MULTILINE)
_OPENING = re.compile(r"---[ \t]*(?:\n|$)")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


class FrontMatterError(Exception):
    """The file cannot be read as front matter; ``line`` is a file line when known."""

    def __init__(self, message: str, line: int | None = None, reason: str = "unsupported YAML") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.reason = reason  # the kind of problem, for a summary by reason (Diagnostic.reason)


class YamlMapping(dict[str, Any]):
    """A YAML mapping whose keys are their source text; remembers the file line of each key.

    ``raw`` holds the source text of plain scalars that YAML read as something other than text
    (``title: 3.10``), so a text field can take the spelling the operator wrote rather than ``"3.1"``.
    """

    __slots__ = ("key_lines", "line", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}


class YamlSequence(list[Any]):
    """A YAML sequence that remembers the file line of each item (see ``YamlMapping.raw``)."""

    __slots__ = ("item_lines", "line", "raw")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []
        self.raw: dict[int, str] = {}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """An article file cut in two. YAML line N of ``text`` is file line N + ``line_offset``."""

    text: str
    body: str
    line_offset: int


def decode_text(data: bytes) -> str:
    """UTF-8 (an optional BOM dropped) with line endings made LF; rejects binary and non-UTF-8 data."""
    if b"\x00" in data:
        raise FrontMatterError(
            "binary file (contains NUL bytes), not a Markdown article", reason="binary file"
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FrontMatterError(
            f"file is not valid UTF-8 (byte 0x{data[error.start]:02x})", line, "not UTF-8"
        ) from None
    return text.replace("\r\n", "\n") if "\r" in text else text


def split_front_matter(data: bytes) -> FrontMatter:
    """Cut ``---`` / YAML / ``---`` / body; raises FrontMatterError for everything that is not that shape."""
    text = decode_text(data)
    if not text.strip():
        raise FrontMatterError("file is empty", reason="empty file")
    opening = _OPENING.match(text)
    if opening is None:
        raise FrontMatterError("no front matter: the file must start with a '---' line", 1, "no front matter")
    closing = _DELIMITER.search(text, opening.end())
    if closing is None:
        raise FrontMatterError(
            "front matter is not closed: add a '---' line after the last field", 1, "front matter not closed"
        )
    body = _LEADING_BLANK_LINES.sub("", text[closing.end() + 1 :], count=1).rstrip()
    return FrontMatter(text[opening.end() : closing.start()], body, line_offset=1)


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """One YAML document as plain values, ``YamlMapping`` and ``YamlSequence``; ``None`` when empty.

    Raises FrontMatterError for malformed YAML, anchors and aliases, tags outside the core schema,
    duplicate keys, non-text keys, several documents and nesting beyond MAX_NESTING.
    """
    loader = Loader(text)
    try:
        return _build(loader, line_offset + 1)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable YAML"
        context = error.context_mark
        if (
            error.problem
            and error.context
            and context is not None
            and mark is not None
            and context.line < mark.line
        ):
            problem += f" ({error.context} that starts on line {context.line + line_offset + 1})"
        raise FrontMatterError(
            f"malformed YAML: {problem}",
            None if mark is None else mark.line + line_offset + 1,
            "malformed YAML",
        ) from None
    except yaml.reader.ReaderError as error:
        line = text.encode("utf-8").count(b"\n", 0, error.position) + line_offset + 1
        raise FrontMatterError(
            f"malformed YAML: {error.reason} (character #x{error.character:04x})", line, "malformed YAML"
        ) from None
    finally:
        loader.dispose()


def _build(loader: Any, first_line: int) -> Any:
    """Turn the event stream into values with an explicit stack, so deep input cannot exhaust recursion.

    This loop runs once per YAML event of every article, so it keeps its state in locals and resolves
    scalars only where needed: keys are taken as written, quoted values are always text.
    """
    get_event: Callable[[], Event] = loader.get_event
    stack: list[tuple[YamlMapping | YamlSequence | None, str | None]] = []  # enclosing (container, key)
    parent: YamlMapping | YamlSequence | None = None
    key: str | None = None  # in a mapping: the key waiting for its value
    root: Any = None
    documents = 0
    while True:
        event: Any = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None:
                _refuse_anchor(event, first_line)
            if key is None and isinstance(parent, YamlMapping):
                if event.tag is not None and event.tag not in _KEY_TAGS:
                    raise FrontMatterError(
                        f"unsupported YAML tag {_short_tag(event.tag)}", _line(event, first_line)
                    )
                key = event.value
                if key in parent.key_lines:
                    line = _line(event, first_line)
                    raise FrontMatterError(
                        f"duplicate key {key!r} (first on line {parent.key_lines[key]})",
                        line,
                        "duplicate key",
                    )
                parent.key_lines[key] = event.start_mark.line + first_line
                continue
            if event.tag is None and not event.implicit[0]:  # quoted or block scalar: text, the common case
                value, raw = event.value, None
            else:
                value, raw = _scalar(loader, event, first_line)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            line = _line(event, first_line)
            if event.anchor is not None:
                _refuse_anchor(event, first_line)
            if event.tag not in _COLLECTION_TAGS:
                raise FrontMatterError(f"unsupported YAML tag {_short_tag(event.tag)}", line)
            if key is None and isinstance(parent, YamlMapping):
                raise FrontMatterError("a key must be plain text, not a list or mapping", line)
            if len(stack) >= MAX_NESTING:
                raise FrontMatterError(f"front matter is nested more than {MAX_NESTING} levels deep", line)
            stack.append((parent, key))
            parent, key = (YamlMapping(line) if kind is MappingStartEvent else YamlSequence(line)), None
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value, raw = parent, None
            parent, key = stack.pop()
        elif kind is AliasEvent:
            raise FrontMatterError(
                f"YAML aliases are not supported (*{event.anchor})", _line(event, first_line)
            )
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise FrontMatterError(
                    "front matter must be a single YAML document", _line(event, first_line)
                )
            continue
        elif kind is StreamEndEvent:
            return root
        else:  # StreamStartEvent, DocumentEndEvent: nothing to build
            continue

        if parent is None:
            root = value
        elif isinstance(parent, YamlSequence):
            if raw is not None:
                parent.raw[len(parent)] = raw
            parent.append(value)
            parent.item_lines.append(value.line if kind is not ScalarEvent else _line(event, first_line))
        else:
            assert key is not None  # a mapping's value always follows its key
            parent[key] = value
            if raw is not None:
                parent.raw[key] = raw
            key = None


def _line(event: Any, first_line: int) -> int:
    line: int = event.start_mark.line + first_line
    return line


def _scalar(loader: Any, event: Any, first_line: int) -> tuple[Any, str | None]:
    """The value of a scalar event, and its source text when YAML read it as something other than text."""
    line = _line(event, first_line)
    value: str = event.value
    explicit: str | None = None if event.tag in (None, "!") else event.tag
    implicit = explicit is None
    if explicit is None:
        if not event.implicit[0]:  # quoted, or a block scalar: always text
            return value, None
        resolved = _resolve(value)
        if resolved is None:
            return value, None
        tag = resolved
    else:
        tag = explicit
    if tag == _STR_TAG:
        return value, None
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:
        if implicit:  # '<<', '=' and the like: meaningful only to loaders that do more than data
            return value, None
        raise FrontMatterError(f"unsupported YAML tag {_short_tag(tag)}", line)
    try:
        return construct(loader, ScalarNode(tag, value)), value
    except (ValueError, TypeError, KeyError, OverflowError):
        if implicit:  # looked like a number or date but is not one (2026-02-30): keep the text
            return value, None
        raise FrontMatterError(f"'{value}' is not a valid {_short_tag(tag)} value", line) from None


def _resolve(value: str) -> str | None:
    """The core-schema tag a plain scalar implies, or None for text: PyYAML's resolver, minus its overhead."""
    tag: str
    for tag, pattern in _IMPLICIT_RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return None


def _refuse_anchor(event: Any, first_line: int) -> None:
    raise FrontMatterError(f"YAML anchors are not supported (&{event.anchor})", _line(event, first_line))


def _short_tag(tag: str | None) -> str:
    return "!!" + tag[len(_CORE) :] if tag and tag.startswith(_CORE) else str(tag)


def as_text(container: YamlMapping | YamlSequence, key: Any) -> str | None:
    """A scalar as text: text as written, a number in its source spelling; None for anything else."""
    value = container[key]
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raw: str | None = container.raw.get(key)
        return raw if raw is not None else str(value)
    return None


def describe_item(container: YamlMapping | YamlSequence, key: Any) -> str:
    """``describe`` for one field or item, in the spelling the operator wrote."""
    return describe(container[key], container.raw.get(key))


def describe(value: object, raw: str | None = None) -> str:
    """What YAML read a value as, in the operator's words, for error messages; ``raw`` is its source text."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({raw or str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({raw or value})"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text" if isinstance(value, str) else type(value).__name__
