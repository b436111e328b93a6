"""The private deployment's guard: outsiders hear one polite refusal a day, and nothing of them is stored.

Registered before flood control and every handler that writes (bot/app.py), for every kind of update: a
message gets the refusal (once a day per chat), a button tap is always answered (Telegram keeps the button
spinning otherwise) and carries the refusal when it is due, an inline query is answered with no results,
and anything else (a membership change) is dropped without a word.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.chat.access import Visitor, admitted
from bot.chat.context import NewsContext, chosen_texts
from bot.chat.replies import reply

log = logging.getLogger(__name__)

# An outsider's empty inline answer is personal and kept briefly: once they are allowed, results come soon.
OUTSIDER_INLINE_CACHE_SECONDS = 10


async def turn_away(update: Update, context: NewsContext) -> None:
    """Let allowed chats through; answer an outsider as politely as once a day allows, then stop the update."""
    deps = context.deps
    visitor = Visitor.of(update)
    if admitted(visitor, deps.settings.access, deps.settings.admin_ids):
        return
    if update.inline_query is not None:
        # No message can carry the refusal here, so it stays due for the outsider's next message or tap.
        await update.inline_query.answer([], cache_time=OUTSIDER_INLINE_CACHE_SECONDS, is_personal=True)
        raise ApplicationHandlerStop
    key = visitor.key
    can_tell = update.message is not None or update.callback_query is not None
    due = can_tell and key is not None and deps.refusals.due(key, deps.clock().date())
    if due:
        # The id only, as the refusal itself tells the outsider: what an operator adds to let them in.
        log.info("private deployment: refused chat %s (not in ALLOWED_CHATS or ALLOWED_USERNAMES)", key)
    # The outsider's own Telegram language: no stored choice is read, nothing about them is kept.
    texts = chosen_texts(update, None)
    if update.callback_query is not None:
        await update.callback_query.answer(texts.private_refusal_toast if due else None)
    elif update.message is not None and due:
        await reply(update, texts.private_refusal.format(chat_id=key))
    raise ApplicationHandlerStop


def access_guard() -> BaseHandler[Update, NewsContext, None]:
    return TypeHandler(Update, turn_away)
