"""``channels.yaml``: the Telegram channels operators send topics to.

The optional file at the top of the content folder maps each channel, by ``@username`` (quoted: YAML
reserves ``@``) or by numeric id, to the topics it gets, or to a mapping of its topics and its own voice
(``storage/content/channel_voice.py``)::

    "@ai_news": [AI, Computer Vision]
    -1001234567890: [Climate]
    "@ai_news_de":
      topics: [AI]
      language: de

Reading it is pure: which channel exists, and what the topics are called in the store, is the caller's
business. A broken entry is reported and leaves its channel as it was; a file that cannot be read as a
whole (bad YAML, not a mapping) changes nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from storage.content.channel_voice import ChannelVoice, VoiceError, parse_voice
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
from storage.content.topics import clean_topic_name, topic_key

CHANNELS_FILE = "channels.yaml"
MAX_CHANNELS_BYTES = 1 << 20
# Telegram usernames: 4 to 32 letters, digits and underscores, starting with a letter.
_USERNAME = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_CHAT_ID = re.compile(r"-[1-9][0-9]{0,18}")
_LINK = re.compile(r"(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?", re.IGNORECASE)
EXAMPLE = '"@ai_news": [AI, Computer Vision]'
ENTRY_KEYS = ("topics", "language", "footer", "silent", "style")


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel as ``channels.yaml`` names it: a username (without ``@``) or a chat id."""

    username: str | None = None
    chat_id: int | None = None

    @property
    def key(self) -> str:
        """What two spellings of the same channel share (usernames ignore case)."""
        return f"@{self.username.casefold()}" if self.username is not None else str(self.chat_id)

    @property
    def target(self) -> int | str:
        """The ``chat_id`` to give the Bot API: ``"@name"`` or the number."""
        if self.username is not None:
            return f"@{self.username}"
        assert self.chat_id is not None
        return self.chat_id

    def names(self, chat_id: int, username: str | None) -> bool:
        """Whether this reference names the chat with that id and username."""
        if self.chat_id is not None:
            return self.chat_id == chat_id
        return username is not None and self.key == f"@{username.casefold()}"

    def __str__(self) -> str:
        return str(self.target)


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """One channel and the topic names it gets (clean, first spelling of each), at ``line`` of the file,
    and its voice (the defaults for the list form)."""

    ref: ChannelRef
    topics: tuple[str, ...]
    line: int
    voice: ChannelVoice = field(default_factory=ChannelVoice)


@dataclass(frozen=True, slots=True)
class ChannelMap:
    """What the file says. ``broken``: channels whose entry has an error (they stay as they were).

    ``readable`` is False when the file could not be read as a whole: then nothing may change.
    """

    entries: tuple[ChannelEntry, ...] = ()
    broken: tuple[ChannelRef, ...] = ()
    readable: bool = True


def parse_channel_ref(text: str) -> ChannelRef | str:
    """A channel reference, or the problem with ``text`` as one."""
    spelled = text.strip()
    if match := _USERNAME.fullmatch(spelled):
        return ChannelRef(username=match.group(1))
    if _CHAT_ID.fullmatch(spelled):
        return ChannelRef(chat_id=int(spelled))
    if match := _LINK.fullmatch(spelled):
        return f"'{spelled}' is a link: write the channel as \"@{match.group(1)}\""
    if spelled.lstrip("+").isdigit():
        return f"'{spelled}' is not a channel id: channel ids are negative, e.g. -1001234567890"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", spelled):
        return f"'{spelled}' needs an '@': write \"@{spelled}\""
    return (
        f"'{spelled}' is not a channel: write its @username (4-32 letters, digits or underscores) "
        "or its numeric id"
    )


def load_channel_map(
    path: Path, display: str, max_bytes: int = MAX_CHANNELS_BYTES, *, languages: Collection[str]
) -> tuple[ChannelMap, list[Diagnostic]]:
    """Read ``channels.yaml``; a missing file means no channels. Diagnostics name the file ``display``;
    ``languages``: the codes a channel's ``language`` may be (the bot's catalogues)."""
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        return ChannelMap(), []
    except OSError as error:
        return _unreadable(display, f"cannot read file: {error.strerror}")
    if len(data) > max_bytes:
        return _unreadable(display, f"file is larger than the limit of {max_bytes} bytes")
    return parse_channel_map(data, display, languages=languages)


def parse_channel_map(
    data: bytes, display: str, *, languages: Collection[str]
) -> tuple[ChannelMap, list[Diagnostic]]:
    """The channel map in ``data`` (the bytes of a ``channels.yaml``), with its problems."""
    text = ""
    try:
        text = decode_text(data)
        document = load_yaml(text)
    except FrontMatterError as error:
        message = error.message
        lines = text.splitlines()
        if error.line and error.line <= len(lines) and lines[error.line - 1].lstrip().startswith("@"):
            message += f"; YAML reserves '@': quote channel names, like {EXAMPLE}"
        return _unreadable(display, message, error.line)
    if document is None:
        return ChannelMap(), []
    if not isinstance(document, YamlMapping):
        message = f"channels.yaml must map channels to topics, like {EXAMPLE}; got {describe(document)}"
        return _unreadable(display, message, 1)
    return _MapBuilder(display, languages).build(document)


def _unreadable(display: str, message: str, line: int | None = None) -> tuple[ChannelMap, list[Diagnostic]]:
    problem = Diagnostic(display, "error", f"{message} (no channel changes until this is fixed)", line)
    return ChannelMap(readable=False), [problem]


class _MapBuilder:
    """Checks entries one by one, so each problem is reported once and only its channel is held back."""

    def __init__(self, display: str, languages: Collection[str]) -> None:
        self.display = display
        self.languages = languages
        self.diagnostics: list[Diagnostic] = []
        self.seen: dict[str, tuple[str, int]] = {}  # ref key -> (spelling, line)

    def build(self, document: YamlMapping) -> tuple[ChannelMap, list[Diagnostic]]:
        entries: list[ChannelEntry] = []
        broken: list[ChannelRef] = []
        for key in document:
            line = document.key_lines[key]
            ref = parse_channel_ref(key)
            if isinstance(ref, str):
                self._error(ref, line)
                continue
            if ref.key in self.seen:
                spelling, first = self.seen[ref.key]
                self._error(f"'{key}' is the same channel as '{spelling}' (line {first})", line)
                continue
            self.seen[ref.key] = (key, line)
            entry = self._entry(document, key, ref, line)
            if entry is None:
                broken.append(ref)
            else:
                entries.append(entry)
        return ChannelMap(tuple(entries), tuple(broken)), self.diagnostics

    def _error(self, message: str, line: int) -> None:
        self.diagnostics.append(Diagnostic(self.display, "error", message, line))

    def _entry(self, document: YamlMapping, key: str, ref: ChannelRef, line: int) -> ChannelEntry | None:
        """The list form (topics alone) or the mapping form (topics and voice); None when it is broken."""
        value = document[key]
        if not isinstance(value, YamlMapping):
            topics = self._topics(document, key, ref, line)
            return None if topics is None else ChannelEntry(ref, topics, line)
        unknown = [field for field in value if field not in ENTRY_KEYS]
        if unknown:
            self._error(
                f"{ref} has an unknown key '{unknown[0]}': a channel takes {', '.join(ENTRY_KEYS)}",
                value.key_lines[unknown[0]],
            )
            return None
        try:
            voice = parse_voice(value, str(ref), self.languages)
        except VoiceError as error:
            self._error(error.message, error.line)
            return None
        if "topics" not in value:
            self.diagnostics.append(
                Diagnostic(self.display, "warning", f"{ref} has no topics: it gets nothing", line)
            )
            return ChannelEntry(ref, (), line, voice)
        topics = self._topics(value, "topics", ref, value.key_lines["topics"])
        return None if topics is None else ChannelEntry(ref, topics, line, voice)

    def _topics(self, container: YamlMapping, key: str, ref: ChannelRef, line: int) -> tuple[str, ...] | None:
        value = container[key]
        if value is None:
            self.diagnostics.append(
                Diagnostic(self.display, "warning", f"{ref} has no topics: it gets nothing", line)
            )
            return ()
        if not isinstance(value, YamlSequence):
            got = describe_item(container, key)
            self._error(f"the topics of {ref} must be a list, e.g. {EXAMPLE}; got {got}", line)
            return None
        topics: dict[str, str] = {}
        for index, item_line in enumerate(value.item_lines):
            name = as_text(value, index)
            if name is None or not name.strip():
                got = "an empty text" if name is not None else describe_item(value, index)
                self._error(f"topic {index + 1} of {ref} must be a topic name, got {got}", item_line)
                return None
            topics.setdefault(topic_key(name), clean_topic_name(name))
        if not topics:
            self.diagnostics.append(
                Diagnostic(self.display, "warning", f"{ref} has no topics: it gets nothing", line)
            )
        return tuple(topics.values())
