"""Groups: which messages the bot takes there, and who may change a group's topics and settings.

Two guards, registered before the commands (bot/app.py):
  - addressing: a command for another bot (``/cmd@another_bot``) is ignored everywhere; in groups, so is
    anything that is not a command, and a bare command the bot does not have (another bot's, probably);
  - group admins: in groups, only administrators use the commands and buttons that change something. A
    message sent anonymously on behalf of the group itself is an administrator's. Commands that only read
    (``Command.for_everyone``) and paging buttons are for everyone. Others get a short refusal, or a toast
    for a button.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.chat.addressing import CommandCall, parse_command
from bot.chat.callbacks import CallbackData, TopicsPage, unpack
from bot.chat.commands import Command
from bot.chat.context import NewsContext, texts_of
from bot.chat.replies import reply

GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
# Buttons that only show something: anyone in a group may tap them.
READ_ONLY_BUTTONS: tuple[type[CallbackData], ...] = (TopicsPage,)


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in GROUP_TYPES


def command_of(message: Message | None) -> CommandCall | None:
    return parse_command(message.text) if message is not None else None


def addressing_guard(commands: Sequence[Command]) -> BaseHandler[Update, NewsContext, None]:
    """Stops what is not for this bot before flood control counts it or a fallback answers it."""
    known = frozenset(command.name for command in commands)

    async def not_for_us(update: Update, context: NewsContext) -> None:
        message = update.message
        if message is None:
            return
        command = command_of(message)
        username = context.bot.username
        if command is None:
            if in_group(update):
                raise ApplicationHandlerStop  # plain text in a group is never answered
            return
        if not command.is_for(username):
            raise ApplicationHandlerStop
        if in_group(update) and command.name not in known and not command.names(username):
            raise ApplicationHandlerStop

    return TypeHandler(Update, not_for_us)


def admin_guard(commands: Sequence[Command]) -> BaseHandler[Update, NewsContext, None]:
    """In groups, lets only administrators through to commands and buttons that change something."""
    # Operators' commands check ADMIN_IDS themselves and answer anyone else as an unknown command.
    everyone = frozenset(c.name for c in commands if c.for_everyone or c.admin_only)
    known = frozenset(c.name for c in commands)

    async def admins_only(update: Update, context: NewsContext) -> None:
        if not in_group(update):
            return
        query = update.callback_query
        if query is not None:
            action = unpack(query.data)
            if action is None or isinstance(action, READ_ONLY_BUTTONS):
                return  # stale data gets its own toast (bot/app.py)
            if await sender_is_admin(update, context):
                return
            await query.answer((await texts_of(update, context)).toast_group_admins_only)
            raise ApplicationHandlerStop
        command = command_of(update.message)
        if command is None or command.name in everyone or command.name not in known:
            return
        if await sender_is_admin(update, context):
            return
        await reply(update, (await texts_of(update, context)).group_admins_only)
        raise ApplicationHandlerStop

    return TypeHandler(Update, admins_only)


async def sender_is_admin(update: Update, context: NewsContext) -> bool:
    """Whether the update comes from an administrator of its group (asked of Telegram, cached briefly)."""
    chat = update.effective_chat
    message = update.message
    if chat is None:
        return False
    if message is not None and message.sender_chat is not None:
        # Sent on behalf of a chat: the group itself means an anonymous administrator; a channel never is.
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    return await context.deps.admins.is_admin(context.bot, chat.id, user.id)
