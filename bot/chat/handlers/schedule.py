"""/timezone, /quiet and /digest: when news arrives, in the chat's local time; their menus in /settings."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import OpenMenu, SetQuiet, SetSchedule, matches, unpack
from bot.chat.commands import Command
from bot.chat.context import NewsContext, register_sender, texts_of
from bot.chat.destinations import tap_of
from bot.chat.handlers.topics import command_argument
from bot.chat.keyboards import settings_keyboard
from bot.chat.menus import View, digest_view, filters_view, quiet_view, timezone_text
from bot.chat.render import escape, shorten
from bot.chat.replies import edit_in_place, reply
from bot.texts.en import Texts
from storage.readers.chats import get_preferences
from storage.readers.filters import list_filters
from storage.readers.localtime import (
    DAY_MINUTES,
    QUIET_MODES,
    LocalTimeError,
    Schedule,
    parse_clock,
    parse_timezone,
    parse_window,
)
from storage.readers.schedules import get_schedule, update_schedule

OFF = "off"


async def save(update: Update, context: NewsContext, **changes: Any) -> Schedule:
    """Store schedule changes for the update's chat (registering it) and return the whole schedule."""
    deps, chat = context.deps, update.effective_chat
    assert chat is not None
    async with deps.db.write() as session:
        await register_sender(session, update, deps.clock())
        return await update_schedule(session, chat.id, deps.clock(), **changes)


async def current(context: NewsContext, chat_id: int) -> Schedule:
    async with context.deps.db.read() as session:
        return await get_schedule(session, chat_id)


async def timezone_command(update: Update, context: NewsContext) -> None:
    """/timezone shows the chat's time zone; /timezone Europe/Berlin or +02:00 sets it."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    if chat is None:
        return
    argument, now = command_argument(update), context.deps.clock()
    if not argument:
        await reply(update, timezone_text(await current(context, chat.id), now, texts, changed=False))
        return
    try:
        name = parse_timezone(argument)
    except LocalTimeError:
        await reply(update, texts.timezone_unknown.format(name=escape(shorten(argument, 64))))
        return
    schedule = await save(update, context, timezone=None if name == "UTC" else name)
    await reply(update, timezone_text(schedule, now, texts, changed=True))


def quiet_changes(argument: str) -> dict[str, Any]:
    """``22:00-07:00``, ``off``, ``digest``, ``silent``, or a window then a mode; LocalTimeError else."""
    words = argument.casefold().split()
    if words == [OFF]:
        return {"quiet_start": None, "quiet_end": None}
    changes: dict[str, Any] = {}
    if words and words[-1] in QUIET_MODES:
        changes["quiet_mode"] = words.pop()
    if words:
        changes["quiet_start"], changes["quiet_end"] = parse_window(" ".join(words))
    if not changes:
        raise LocalTimeError(f"not a quiet-hours setting: {argument!r}")
    return changes


async def quiet_command(update: Update, context: NewsContext) -> None:
    """/quiet shows quiet hours; /quiet 22:00-07:00, /quiet off, /quiet digest|silent change them."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    if chat is None:
        return
    argument = command_argument(update)
    if not argument:
        await reply(update, *quiet_view(await current(context, chat.id), texts))
        return
    try:
        changes = quiet_changes(argument)
    except LocalTimeError:
        await reply(update, texts.quiet_usage)
        return
    await reply(update, *quiet_view(await save(update, context, **changes), texts))


async def digest_command(update: Update, context: NewsContext) -> None:
    """/digest shows the daily digest's hour; /digest 08:00 sets it, /digest off turns it off."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    if chat is None:
        return
    argument = command_argument(update).casefold()
    if not argument:
        await reply(update, *digest_view(await current(context, chat.id), texts))
        return
    try:
        digest_at = None if argument == OFF else parse_clock(argument)
    except LocalTimeError:
        await reply(update, texts.digest_usage)
        return
    await reply(update, *digest_view(await save(update, context, digest_at=digest_at), texts))


async def on_open(update: Update, context: NewsContext) -> None:
    """A /settings row or a « Settings button: redraw the message as that menu."""
    tap = tap_of(update, OpenMenu)
    if tap is None:
        return
    query, texts = tap.query, await texts_of(update, context)
    view = await menu(context, (tap.chat_id, tap.thread_id), tap.action.name, texts)
    if view is None:
        await query.answer(texts.toast_stale)
        return
    await query.answer()
    await edit_in_place(query, *view)


async def menu(context: NewsContext, destination: tuple[int, int], name: str, texts: Texts) -> View | None:
    async with context.deps.db.read() as session:
        if name == "settings":
            preferences = await get_preferences(session, destination[0])
            return texts.settings_header, settings_keyboard(preferences, texts)
        if name == "filters":
            return filters_view(await list_filters(session, destination), texts)
        schedule = await get_schedule(session, destination[0])
    if name == "quiet":
        return quiet_view(schedule, texts)
    if name == "digest":
        return digest_view(schedule, texts)
    return None


async def on_schedule(update: Update, context: NewsContext) -> None:
    """A button of the quiet-hours or digest menu: store the choice and redraw that menu."""
    query, texts = update.callback_query, await texts_of(update, context)
    action = unpack(query.data) if query is not None else None
    if query is None or update.effective_chat is None:
        return
    changes = button_changes(action)
    if changes is None:
        await query.answer(texts.toast_stale)
        return
    schedule = await save(update, context, **changes)
    await query.answer(texts.toast_saved)
    digest = isinstance(action, SetSchedule) and action.name == "digest_at"
    await edit_in_place(query, *(digest_view(schedule, texts) if digest else quiet_view(schedule, texts)))


def button_changes(action: object) -> dict[str, Any] | None:
    """The schedule change a button asks for; None for data no current menu produces."""
    if isinstance(action, SetQuiet):
        if action.start == action.end == -1:
            return {"quiet_start": None, "quiet_end": None}
        if action.start != action.end and all(0 <= m < DAY_MINUTES for m in (action.start, action.end)):
            return {"quiet_start": action.start, "quiet_end": action.end}
    if isinstance(action, SetSchedule):
        if action.name == "quiet_mode" and action.value in (0, 1):
            return {"quiet_mode": QUIET_MODES[action.value]}
        if action.name == "digest_at" and -1 <= action.value < DAY_MINUTES:
            return {"digest_at": None if action.value == -1 else action.value}
    return None


def commands() -> list[Command]:
    return [
        Command("timezone", "your time zone: /timezone Europe/Berlin", timezone_command),
        Command("quiet", "quiet hours: /quiet 22:00-07:00", quiet_command),
        Command("digest", "one message a day instead: /digest 08:00", digest_command),
    ]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [
        CallbackQueryHandler(on_open, pattern=matches(OpenMenu)),
        CallbackQueryHandler(on_schedule, pattern=matches(SetQuiet)),
        CallbackQueryHandler(on_schedule, pattern=matches(SetSchedule)),
    ]
