"""Topics: how names compare, and the optional ``topics.yaml`` catalogue of display names and aliases.

``topics.yaml`` is a YAML list; each entry has a ``name`` and optionally a ``description`` and ``aliases``::

    - name: Machine Learning
      description: Models that learn from data.
      aliases: [ML]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from storage.content.diagnostics import Diagnostic
from storage.content.frontmatter import (
    FrontMatterError,
    YamlMapping,
    YamlSequence,
    as_text,
    decode_text,
    describe,
    describe_item,
    load_yaml,
)

MAX_CATALOG_BYTES = 1 << 20
_ENTRY_FIELDS = ("name", "description", "aliases")


def clean_topic_name(name: str) -> str:
    """A topic name as displayed: trimmed, runs of inner whitespace collapsed to one space."""
    return " ".join(name.split())


def topic_key(name: str) -> str:
    """What two topic names are compared by: ``"computer  vision "`` and ``"Computer Vision"`` share a key."""
    return clean_topic_name(name).casefold()


@dataclass(frozen=True, slots=True)
class TopicEntry:
    """One topic of the catalogue: its display name, a description, and other names readers may use."""

    name: str
    description: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return topic_key(self.name)


@dataclass(frozen=True)
class TopicCatalog:
    """The catalogue: every name and alias key leads to its entry. ValueError if two entries share a key."""

    entries: tuple[TopicEntry, ...] = ()
    by_key: Mapping[str, TopicEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, TopicEntry] = {}
        for entry in self.entries:
            for name in (entry.name, *entry.aliases):
                other = by_key.setdefault(topic_key(name), entry)
                if other is not entry:
                    raise ValueError(f"topic name {name!r} is used by both {other.name!r} and {entry.name!r}")
        object.__setattr__(self, "by_key", MappingProxyType(by_key))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[TopicEntry]:
        return iter(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and topic_key(name) in self.by_key

    def lookup(self, name: str) -> TopicEntry | None:
        """The entry a name or alias belongs to, in any spelling."""
        return self.by_key.get(topic_key(name))

    def canonical_name(self, name: str) -> str:
        """The catalogue's display name for ``name``; a topic the catalogue does not list keeps its own."""
        entry = self.lookup(name)
        return entry.name if entry is not None else clean_topic_name(name)

    def canonical_names(self, names: Iterable[str]) -> tuple[str, ...]:
        """Display names in order, once each: ``ML`` and ``Machine Learning`` on one article give one."""
        seen: dict[str, str] = {}
        for name in names:
            canonical = self.canonical_name(name)
            seen.setdefault(topic_key(canonical), canonical)
        return tuple(seen.values())


def load_topic_catalog(
    path: Path, display: str | None = None, max_bytes: int = MAX_CATALOG_BYTES
) -> tuple[TopicCatalog, list[Diagnostic]]:
    """Read ``topics.yaml``. A broken entry is reported and left out; a broken file gives an empty catalogue.

    Diagnostics name the file as ``display`` (default: ``path`` as given).
    """
    where = str(path) if display is None else display
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        return TopicCatalog(), [Diagnostic(where, "error", "file not found")]
    except OSError as error:
        return TopicCatalog(), [Diagnostic(where, "error", f"cannot read file: {error.strerror}")]
    if len(data) > max_bytes:
        return TopicCatalog(), [
            Diagnostic(where, "error", f"file is larger than the limit of {max_bytes} bytes")
        ]
    try:
        document = load_yaml(decode_text(data))
    except FrontMatterError as error:
        return TopicCatalog(), [Diagnostic(where, "error", error.message, error.line)]
    if document is None:
        return TopicCatalog(), []
    if not isinstance(document, YamlSequence):
        message = f"topics.yaml must be a list of topics ('- name: …'), got {describe(document)}"
        return TopicCatalog(), [Diagnostic(where, "error", message, 1)]
    return _CatalogBuilder(where).build(document)


class _CatalogBuilder:
    """Checks entries one by one, so each problem is reported once and only its entry is left out."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.diagnostics: list[Diagnostic] = []
        self.errors = 0
        self.owners: dict[str, tuple[str, int]] = {}  # name or alias key -> (entry name, entry line)

    def build(self, document: YamlSequence) -> tuple[TopicCatalog, list[Diagnostic]]:
        entries = []
        for index, line in enumerate(document.item_lines):
            entry = self._entry(document[index], line)
            if entry is not None:
                entries.append(entry)
        return TopicCatalog(tuple(entries)), self.diagnostics

    def _error(self, message: str, line: int) -> None:
        self.errors += 1
        self.diagnostics.append(Diagnostic(self.where, "error", message, line))

    def _entry(self, item: object, line: int) -> TopicEntry | None:
        if not isinstance(item, YamlMapping):
            self._error(f"a topic must be a mapping with a 'name', got {describe(item)}", line)
            return None
        for unknown in [key for key in item if key not in _ENTRY_FIELDS]:
            message = f"unknown field {unknown!r} in a topic (ignored); known: {', '.join(_ENTRY_FIELDS)}"
            self.diagnostics.append(Diagnostic(self.where, "warning", message, item.key_lines[unknown]))
        errors_before = self.errors
        name = self._text(item, "name", line)
        description = self._text(item, "description", line)
        aliases = self._aliases(item)
        if name is None and self.errors == errors_before:
            self._error("a topic needs a 'name'", line)
        if name is None or self.errors > errors_before:
            return None
        names = {topic_key(name): name} | {topic_key(alias): alias for alias in aliases}
        for key, spelling in names.items():
            if key in self.owners:
                owner, owner_line = self.owners[key]
                self._error(
                    f"'{spelling}' is already the name or an alias of '{owner}' (line {owner_line})", line
                )
                return None
        self.owners.update(dict.fromkeys(names, (name, line)))
        others = tuple(alias for key, alias in names.items() if key != topic_key(name))
        return TopicEntry(name, description, others)

    def _text(self, item: YamlMapping, field_name: str, line: int) -> str | None:
        """A trimmed, non-empty text field, or None when absent or reported."""
        if item.get(field_name) is None:
            return None
        text = as_text(item, field_name)
        where = item.key_lines.get(field_name, line)
        if text is None:
            got = describe_item(item, field_name)
            self._error(f"'{field_name}' must be text, got {got}; put the value in quotes", where)
            return None
        if not text.strip():
            if field_name == "name":
                self._error("'name' is empty", where)
            return None
        return clean_topic_name(text) if field_name == "name" else text.strip()

    def _aliases(self, item: YamlMapping) -> list[str]:
        value = item.get("aliases")
        if value is None:
            return []
        where = item.key_lines["aliases"]
        if not isinstance(value, YamlSequence):
            self._error(f"'aliases' must be a list, e.g. aliases: [ML], got {describe(value)}", where)
            return []
        aliases = []
        for index, alias_line in enumerate(value.item_lines):
            alias = as_text(value, index)
            if alias is None or not alias.strip():
                got = "an empty text" if alias is not None else describe_item(value, index)
                self._error(f"aliases[{index}] must be non-empty text, got {got}", alias_line)
                return []
            aliases.append(clean_topic_name(alias))
        return aliases
