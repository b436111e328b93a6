"""Readers' local time as pure logic: time zones, quiet hours and the daily digest's next moment.

Times of day are minutes after local midnight. Every moment is computed with ``zoneinfo`` from a UTC
instant, so daylight saving changes are handled by the zone database: a local time that does not exist
(the hour skipped in spring) is taken with the offset before the change (02:30 becomes 03:30), one that
exists twice (the hour repeated in autumn) is its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_MINUTES = 24 * 60
QUIET_MODES = ("digest", "silent")  # held and sent as one digest when the window ends | sent silently
MAX_OFFSET_MINUTES = 14 * 60  # the world's offsets lie between -12:00 and +14:00
_OFFSET = re.compile(r"(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?")
_NOT_ZONES = frozenset({"localtime", "Factory"})  # the machine's zone, and a placeholder


class LocalTimeError(ValueError):
    """A time zone, time of day or window a reader typed that cannot be used."""


def parse_timezone(text: str) -> str:
    """The stored form of a reader's time zone: an IANA name in its canonical spelling, or "+02:00".

    Accepts ``Europe/Berlin`` in any case, spaces for underscores (``america/new york``), a city alone
    when exactly one zone ends with it (``Berlin``), ``UTC``, and offsets ``+2``, ``+02``, ``+0200``,
    ``UTC+02:00``, ``-05:30``.
    """
    cleaned = "_".join(text.split())
    compact = cleaned.replace("_", "").casefold()
    if compact in ("utc", "gmt", "z"):
        return "UTC"
    offset = _OFFSET.fullmatch(compact)
    if offset is not None:
        sign, hours, minutes = offset.groups()
        total = int(hours) * 60 + int(minutes or 0)
        if int(minutes or 0) >= 60 or total > MAX_OFFSET_MINUTES or (sign == "-" and total > 12 * 60):
            raise LocalTimeError(f"offset out of range: {text!r}")
        return format_offset(-total if sign == "-" else total)
    if not cleaned or len(cleaned) > 64:
        raise LocalTimeError(f"unknown time zone: {text!r}")
    names = available_timezones() - _NOT_ZONES
    if cleaned in names:
        return cleaned
    wanted = cleaned.casefold()
    exact = [name for name in names if name.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    if "/" not in wanted:
        cities = sorted(name for name in names if name.casefold().endswith("/" + wanted))
        if len(cities) == 1:
            return cities[0]
    raise LocalTimeError(f"unknown time zone: {text!r}")


def format_offset(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def zone(name: str | None) -> tzinfo:
    """The ``tzinfo`` of a stored time zone; UTC for None and for a name this machine does not know."""
    if not name or name == "UTC":
        return UTC
    if name[0] in "+-":
        hours, minutes = name[1:].split(":")
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if name[0] == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_clock(text: str) -> int:
    """``22:00``, ``7:30``, ``07.30``, ``7h30`` or ``22`` as minutes after midnight."""
    match = _CLOCK.fullmatch(text.strip().casefold())
    if match is None:
        raise LocalTimeError(f"not a time of day: {text!r}")
    hours, minutes = int(match[1]), int(match[2] or 0)
    if hours > 23 or minutes > 59:
        raise LocalTimeError(f"not a time of day: {text!r}")
    return hours * 60 + minutes


def parse_window(text: str) -> tuple[int, int]:
    """``22:00-07:00`` (or with an en dash, or "to") as (start, end); the window may cross midnight."""
    parts = re.split(r"\s*(?:-|–|—|\bto\b)\s*", text.strip().casefold())
    if len(parts) != 2:
        raise LocalTimeError(f"not a window: {text!r}")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start == end:
        raise LocalTimeError(f"an empty window: {text!r}")
    return start, end


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02}:{minutes % 60:02}"


def minute_of_day(moment: datetime, where: tzinfo) -> int:
    local = moment.astimezone(where)
    return local.hour * 60 + local.minute


def in_window(minute: int, start: int, end: int) -> bool:
    """Whether a minute of the day lies in [start, end); a window whose start is after its end crosses
    midnight."""
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def next_local(after: datetime, minutes: int, where: tzinfo) -> datetime:
    """The first moment strictly after ``after`` whose local wall clock in ``where`` shows ``minutes``
    (UTC). A day whose wall clock skips that time has it at the offset before the change."""
    day = after.astimezone(where).date()
    wall = time(minutes // 60, minutes % 60)
    candidates = (_instant(day + timedelta(days=shift), wall, where) for shift in range(-1, 3))
    return min(moment for moment in candidates if moment > after)


def _instant(day: date, wall: time, where: tzinfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=where).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A chat's time settings (``chat_preferences``); the defaults: UTC, no quiet hours, no digest."""

    timezone: str | None = None
    quiet_start: int | None = None
    quiet_end: int | None = None
    quiet_mode: str = "digest"
    digest_at: int | None = None

    @property
    def zone(self) -> tzinfo:
        return zone(self.timezone)

    @property
    def zone_name(self) -> str:
        return self.timezone or "UTC"

    @property
    def has_quiet(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None

    def quiet_at(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the chat's quiet hours."""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        return in_window(minute_of_day(moment, self.zone), self.quiet_start, self.quiet_end)

    def hold_until(self, moment: datetime) -> datetime | None:
        """When a push that falls due at ``moment`` goes, as part of a digest; None: it goes on its own.

        A daily digest takes everything to its next hour; otherwise quiet hours in ``digest`` mode hold
        what falls in the window until the window ends. (In ``silent`` mode a push goes at once, silently.)
        """
        if self.digest_at is not None:
            return next_local(moment, self.digest_at, self.zone)
        if self.quiet_end is not None and self.quiet_mode == "digest" and self.quiet_at(moment):
            return next_local(moment, self.quiet_end, self.zone)
        return None
