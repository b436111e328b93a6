"""Sending replies and editing keyboards in place, the same way from every handler."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.chat.render import plain_text


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Answer the message that triggered ``update`` in its chat (and forum thread)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup, do_quote=False)


async def edit_in_place(query: CallbackQuery, text: str | None, markup: InlineKeyboardMarkup | None) -> None:
    """Edit the tapped message, skipping the call when nothing would change.

    Telegram answers an identical edit with 400 "message is not modified"; a double tap is normal.
    """
    message = query.message
    if not isinstance(message, Message):
        return
    same_text = text is None or plain_text(text) == (message.text or "")
    same_markup = markup == message.reply_markup
    if same_text and same_markup:
        return
    try:
        if same_text:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(text or "", reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
