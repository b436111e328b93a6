"""/settings: per-chat preferences in an inline menu that updates in place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import AUTO_LANGUAGE, SetLanguage, SetPreference, matches
from bot.chat.commands import Command
from bot.chat.context import NewsContext, chosen_texts, register_sender, texts_of
from bot.chat.destinations import tap_of
from bot.chat.keyboards import settings_keyboard
from bot.chat.replies import edit_in_place, reply
from bot.texts.registry import LANGUAGES
from storage.readers.chats import get_preferences, update_preferences


async def show_settings(update: Update, context: NewsContext) -> None:
    """The settings menu with the chat's current choices."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    if chat is None:
        return
    async with context.deps.db.read() as session:
        preferences = await get_preferences(session, chat.id)
    await reply(update, texts.settings_header, settings_keyboard(preferences, texts))


async def on_preference(update: Update, context: NewsContext) -> None:
    """A settings button: store the choice and redraw the menu."""
    tap = tap_of(update, SetPreference)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    deps = context.deps
    value: int | bool = action.value if action.name == "min_quality" else bool(action.value)
    try:
        async with deps.db.write() as session:
            await register_sender(session, update, deps.clock())
            preferences = await update_preferences(session, tap.chat_id, **{action.name: value})
    except ValueError:
        await query.answer(texts.toast_stale)
        return
    await query.answer(texts.toast_saved)
    await edit_in_place(query, texts.settings_header, settings_keyboard(preferences, texts))


async def on_language(update: Update, context: NewsContext) -> None:
    """The language row: store the choice (``auto``: Telegram's language) and redraw the menu in it."""
    tap = tap_of(update, SetLanguage)
    if tap is None:
        return
    query, action = tap.query, tap.action
    if action.language != AUTO_LANGUAGE and action.language not in LANGUAGES:
        await query.answer((await texts_of(update, context)).toast_stale)
        return
    choice = None if action.language == AUTO_LANGUAGE else action.language
    deps = context.deps
    async with deps.db.write() as session:
        await register_sender(session, update, deps.clock())
        preferences = await update_preferences(session, tap.chat_id, language=choice)
    deps.languages.changed(tap.chat_id, choice)
    # The answer and the redrawn menu are already in the new language.
    texts = context.texts = chosen_texts(update, choice)
    await query.answer(texts.toast_saved)
    await edit_in_place(query, texts.settings_header, settings_keyboard(preferences, texts))


def commands() -> list[Command]:
    return [
        Command("settings", "quality, previews, notifications and language", show_settings, for_everyone=True)
    ]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [
        CallbackQueryHandler(on_preference, pattern=matches(SetPreference)),
        CallbackQueryHandler(on_language, pattern=matches(SetLanguage)),
    ]
