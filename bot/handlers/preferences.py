"""/settings: per-chat preferences in an inline menu that updates in place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import SetPreference, matches
from bot.commands import Command
from bot.context import NewsContext, register_sender, texts_of
from bot.handlers.topics import tapped
from bot.keyboards import settings_keyboard
from bot.replies import edit_in_place, reply
from storage.chats import get_preferences, update_preferences


async def show_settings(update: Update, context: NewsContext) -> None:
    """The settings menu with the chat's current choices."""
    chat, texts = update.effective_chat, texts_of(update)
    if chat is None:
        return
    async with context.deps.db.read() as session:
        preferences = await get_preferences(session, chat.id)
    await reply(update, texts.settings_header, settings_keyboard(preferences, texts))


async def on_preference(update: Update, context: NewsContext) -> None:
    """A settings button: store the choice and redraw the menu."""
    query, texts = update.callback_query, texts_of(update)
    action = tapped(query)
    chat = update.effective_chat
    if query is None or chat is None or not isinstance(action, SetPreference):
        return
    deps = context.deps
    value: int | bool = action.value if action.name == "min_quality" else bool(action.value)
    try:
        async with deps.db.write() as session:
            await register_sender(session, update, deps.clock())
            preferences = await update_preferences(session, chat.id, **{action.name: value})
    except ValueError:
        await query.answer(texts.toast_stale)
        return
    await query.answer(texts.toast_saved)
    await edit_in_place(query, texts.settings_header, settings_keyboard(preferences, texts))


def commands() -> list[Command]:
    return [Command("settings", "quality, previews and notifications", show_settings)]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [CallbackQueryHandler(on_preference, pattern=matches(SetPreference))]
