"""Pure rendering of the readers' control menus: keyword filters, quiet hours, daily digest, time zone.

Each view is (HTML text, inline keyboard); the same view answers the command and redraws the message in
place after a tap, and each has a way back to /settings, whose rows lead here (``control_rows``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.callbacks import OpenMenu, RemoveFilter, SetQuiet, SetSchedule
from bot.chat.render import escape, shorten
from bot.texts.en import Texts
from storage.readers.keywords import KeywordFilter
from storage.readers.localtime import Schedule, format_clock, minute_of_day

MAX_TERM_LABEL = 40
QUIET_PRESETS = ((22 * 60, 7 * 60), (23 * 60, 7 * 60), (0, 8 * 60))
DIGEST_PRESETS = (7 * 60, 8 * 60, 18 * 60, 21 * 60)
View = tuple[str, InlineKeyboardMarkup]


def filter_key(kind: str, term: str) -> int:
    """A short, stable number for a filter, for its removal button (48 bits: a collision among one
    destination's 20 filters is beyond unlikely, and would remove the wrong one of two, nothing worse)."""
    return int.from_bytes(hashlib.blake2b(f"{kind}:{term}".encode(), digest_size=6).digest(), "big")


def control_rows(texts: Texts) -> list[list[InlineKeyboardButton]]:
    """The rows /settings shows for the control menus."""
    return [
        [InlineKeyboardButton(texts.setting_filters, callback_data=OpenMenu("filters").pack())],
        [
            InlineKeyboardButton(texts.setting_quiet, callback_data=OpenMenu("quiet").pack()),
            InlineKeyboardButton(texts.setting_digest, callback_data=OpenMenu("digest").pack()),
        ],
    ]


def filters_view(keywords: KeywordFilter, texts: Texts) -> View:
    """The destination's filters, one removal button each."""
    lines = [texts.filters_header]
    if keywords.include:
        lines.append(texts.filters_include.format(terms=_quoted(keywords.include, texts)))
    if keywords.exclude:
        lines.append(texts.filters_exclude.format(terms=_quoted(keywords.exclude, texts)))
    if not len(keywords):
        lines.append(texts.filters_none)
    lines += ["", texts.filters_hint]
    buttons = [
        [
            InlineKeyboardButton(
                label.format(term=shorten(term, MAX_TERM_LABEL)),
                callback_data=RemoveFilter(filter_key(kind, term)).pack(),
            )
        ]
        for kind, label, terms in (
            ("include", texts.filter_button_include, keywords.include),
            ("exclude", texts.filter_button_exclude, keywords.exclude),
        )
        for term in terms
    ]
    return "\n".join(lines), InlineKeyboardMarkup([*buttons, _back(texts)])


def timezone_text(schedule: Schedule, now: datetime, texts: Texts, *, changed: bool) -> str:
    template = texts.timezone_set if changed else texts.timezone_current
    return template.format(zone=escape(schedule.zone_name), time=_local_now(schedule, now))


def quiet_view(schedule: Schedule, texts: Texts) -> View:
    """Quiet hours as they are, with presets, the choice of held or silent, and off."""
    if schedule.quiet_start is None or schedule.quiet_end is None:
        status = texts.quiet_off_status
    else:
        template = texts.quiet_status_silent if schedule.quiet_mode == "silent" else texts.quiet_status_digest
        status = template.format(
            start=format_clock(schedule.quiet_start),
            end=format_clock(schedule.quiet_end),
            zone=escape(schedule.zone_name),
        )
    current = (schedule.quiet_start, schedule.quiet_end)
    presets = [
        InlineKeyboardButton(
            _mark(current == (start, end), f"{format_clock(start)}–{format_clock(end)}"),
            callback_data=SetQuiet(start, end).pack(),
        )
        for start, end in QUIET_PRESETS
    ]
    modes = [
        InlineKeyboardButton(
            _mark(schedule.quiet_mode == mode, label),
            callback_data=SetSchedule("quiet_mode", int(mode == "silent")).pack(),
        )
        for mode, label in (("digest", texts.quiet_mode_digest), ("silent", texts.quiet_mode_silent))
    ]
    rows = [presets, modes]
    if schedule.has_quiet:
        rows.append([InlineKeyboardButton(texts.turn_off, callback_data=SetQuiet(-1, -1).pack())])
    return f"{status}\n{texts.quiet_hint}", InlineKeyboardMarkup([*rows, _back(texts)])


def digest_view(schedule: Schedule, texts: Texts) -> View:
    """The daily digest's hour (or off), with presets and off."""
    if schedule.digest_at is None:
        status = texts.digest_off_status
    else:
        status = texts.digest_status.format(
            time=format_clock(schedule.digest_at), zone=escape(schedule.zone_name)
        )
    presets = [
        InlineKeyboardButton(
            _mark(schedule.digest_at == minutes, format_clock(minutes)),
            callback_data=SetSchedule("digest_at", minutes).pack(),
        )
        for minutes in DIGEST_PRESETS
    ]
    rows = [presets]
    if schedule.digest_at is not None:
        rows.append([InlineKeyboardButton(texts.turn_off, callback_data=SetSchedule("digest_at", -1).pack())])
    return f"{status}\n{texts.digest_hint}", InlineKeyboardMarkup([*rows, _back(texts)])


def _back(texts: Texts) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(texts.back_to_settings, callback_data=OpenMenu("settings").pack())]


def _mark(selected: bool, label: str) -> str:
    return f"✅ {label}" if selected else label


def _quoted(terms: tuple[str, ...], texts: Texts) -> str:
    return ", ".join(texts.quoted_name.format(name=escape(term)) for term in terms)


def _local_now(schedule: Schedule, now: datetime) -> str:
    return format_clock(minute_of_day(now, schedule.zone))
