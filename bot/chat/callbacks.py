"""Inline-button callback data: one small frozen type per action, packed compactly with a short prefix.

Telegram allows at most 64 bytes of ``callback_data``; ``pack`` checks it so an oversized button is a bug
found at render time, not a 400 from Telegram. ``unpack`` returns None for anything it does not
recognise (stale buttons from an older version, forged data), and the caller answers politely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ClassVar

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
AUTO_LANGUAGE = "auto"  # SetLanguage: back to Telegram's language_code


@dataclass(frozen=True, slots=True)
class CallbackData:
    prefix: ClassVar[str]

    def pack(self) -> str:
        parts = [self.prefix, *(str(_encode(getattr(self, f.name))) for f in fields(self))]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data


def _encode(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class ToggleTopic(CallbackData):
    """Tap on a topic in the /topics keyboard: follow or unfollow it, staying on the same page."""

    prefix: ClassVar[str] = "t"
    topic_id: int
    page: int


@dataclass(frozen=True, slots=True)
class TopicsPage(CallbackData):
    """◀ / ▶ in the /topics keyboard."""

    prefix: ClassVar[str] = "p"
    page: int


@dataclass(frozen=True, slots=True)
class Unfollow(CallbackData):
    """One-tap unsubscribe from /mytopics."""

    prefix: ClassVar[str] = "u"
    topic_id: int


@dataclass(frozen=True, slots=True)
class SetPreference(CallbackData):
    """A choice in the /settings menu: ``name`` is a preference, ``value`` an integer (booleans as 0/1)."""

    prefix: ClassVar[str] = "s"
    name: str
    value: int


@dataclass(frozen=True, slots=True)
class SetLanguage(CallbackData):
    """The language row of /settings: a catalogue's code, or ``AUTO_LANGUAGE`` for Telegram's language."""

    prefix: ClassVar[str] = "l"
    language: str


@dataclass(frozen=True, slots=True)
class ConfirmStop(CallbackData):
    """The answer to /stop's "are you sure?"."""

    prefix: ClassVar[str] = "x"
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Mute(CallbackData):
    """🔕 under a push: unfollow the article's topic (``topic_id`` 0: ask which, when several)."""

    prefix: ClassVar[str] = "m"
    article_id: int
    topic_id: int


@dataclass(frozen=True, slots=True)
class Refollow(CallbackData):
    """ "Undo" after muting: follow the topic again."""

    prefix: ClassVar[str] = "f"
    topic_id: int


@dataclass(frozen=True, slots=True)
class OpenMenu(CallbackData):
    """Open a readers' control menu in place: ``filters``, ``quiet``, ``digest``, or back to ``settings``."""

    prefix: ClassVar[str] = "mn"
    name: str


@dataclass(frozen=True, slots=True)
class RemoveFilter(CallbackData):
    """✖ on a keyword filter. Terms may be 100 characters, too long for a button: ``key`` is a hash of
    kind and term (``bot.chat.menus.filter_key``), looked up among the destination's filters."""

    prefix: ClassVar[str] = "fr"
    key: int


@dataclass(frozen=True, slots=True)
class SetQuiet(CallbackData):
    """A quiet-hours preset: minutes after local midnight; ``start`` -1 turns quiet hours off."""

    prefix: ClassVar[str] = "qh"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SetSchedule(CallbackData):
    """``quiet_mode`` (0: hold for a digest, 1: silent) or ``digest_at`` (minutes after midnight, -1: off)."""

    prefix: ClassVar[str] = "sc"
    name: str
    value: int


READER_CONTROLS = (OpenMenu, RemoveFilter, SetQuiet, SetSchedule)

KINDS: dict[str, type[CallbackData]] = {
    kind.prefix: kind
    for kind in (
        ToggleTopic,
        TopicsPage,
        Unfollow,
        SetPreference,
        SetLanguage,
        ConfirmStop,
        Mute,
        Refollow,
        *READER_CONTROLS,
    )
}


def matches(kind: type[CallbackData]) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern: the button carries an action of this kind."""

    def match(data: object) -> bool:
        return isinstance(unpack(data if isinstance(data, str) else None), kind)

    return match


def unpack(data: str | None) -> CallbackData | None:
    """The action a button carries, or None when the data is unknown, stale or malformed."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    prefix, *parts = data.split(SEPARATOR)
    kind = KINDS.get(prefix)
    if kind is None:
        return None
    kind_fields = fields(kind)
    if len(parts) != len(kind_fields):
        return None
    values: list[object] = []
    for field, raw in zip(kind_fields, parts, strict=True):
        if field.type in ("int", "bool"):
            if not raw.lstrip("-").isdigit() or len(raw) > 20:
                return None
            number = int(raw)
            if field.type == "bool":
                if number not in (0, 1):
                    return None
                values.append(bool(number))
            else:
                values.append(number)
        elif field.type == "str":
            if not raw.isidentifier():
                return None
            values.append(raw)
        else:  # pragma: no cover - every field type above is handled
            return None
    return kind(*values)
