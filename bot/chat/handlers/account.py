"""/stop: forget everything about the chat, after a confirmation."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import ConfirmStop, matches
from bot.chat.commands import Command
from bot.chat.context import NewsContext, texts_of
from bot.chat.destinations import tap_of
from bot.chat.keyboards import stop_keyboard
from bot.chat.replies import edit_in_place, reply
from storage.readers.chats import forget_chat


async def stop(update: Update, context: NewsContext) -> None:
    """Ask before deleting the chat's data."""
    texts = await texts_of(update, context)
    await reply(update, texts.stop_confirm, stop_keyboard(texts))


async def on_confirm(update: Update, context: NewsContext) -> None:
    """The answer to /stop: delete everything, or nothing."""
    tap = tap_of(update, ConfirmStop)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    await query.answer()
    if not action.confirmed:
        await edit_in_place(query, texts.stop_cancelled, None)
        return
    async with context.deps.db.write() as session:
        await forget_chat(session, tap.chat_id)
    context.deps.languages.changed(tap.chat_id, None)
    await edit_in_place(query, texts.stop_done, None)


def commands() -> list[Command]:
    return [Command("stop", "delete everything I store about this chat", stop)]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [CallbackQueryHandler(on_confirm, pattern=matches(ConfirmStop))]
