"""/start and /help, the replies to anything unknown, and chat membership changes."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.chat.commands import Command
from bot.chat.context import NewsContext, register_sender, texts_of
from bot.chat.deeplinks import INLINE_NOTICE_PAYLOAD
from bot.chat.destinations import thread_of
from bot.chat.handlers.sharing import follow_from_link
from bot.chat.handlers.topics import first_topics_page
from bot.chat.render import help_text
from bot.chat.replies import reply
from storage.readers.chats import mark_blocked, register_chat
from storage.readers.subscriptions import followed_topic_ids


async def start(update: Update, context: NewsContext) -> None:
    """Greet the reader, register the chat (reactivating a returning one) and show the topics; opened from a
    follow link (``/start follow-…``), follow its topic and confirm it instead."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    if chat is None:
        return
    notice = None
    if context.args and context.args[0] != INLINE_NOTICE_PAYLOAD:
        notice = await follow_from_link(update, context, context.args[0])
        if notice is None:
            return
    deps = context.deps
    thread = thread_of(update.effective_message)
    async with deps.db.write() as session:
        await register_sender(session, update, deps.clock())
        returning = bool(await followed_topic_ids(session, chat.id, thread))
    # The greeting stands alone: the topics message below it is redrawn on every tap.
    greeting = texts.welcome_back if returning else texts.welcome
    await reply(update, greeting if notice is None else f"{notice}\n\n{greeting}")
    text, markup = await first_topics_page(context, chat.id, texts, thread)
    await reply(update, text, markup)


def help_command(commands: Sequence[Command]) -> Command:
    listed = [*((c.name, c.description) for c in commands if not c.admin_only), ("help", "what I can do")]

    async def show_help(update: Update, context: NewsContext) -> None:
        """List every command with one line each."""
        await reply(update, help_text(listed, await texts_of(update, context)))

    return Command("help", "what I can do", show_help, for_everyone=True)


async def unknown_command(update: Update, context: NewsContext) -> None:
    """Any command the bot does not have (or that the sender may not use)."""
    await reply(update, (await texts_of(update, context)).unknown_command)


async def plain_text(update: Update, context: NewsContext) -> None:
    """Plain text in a private chat gets a hint, never silence."""
    await reply(update, (await texts_of(update, context)).plain_text)


async def membership_changed(update: Update, context: NewsContext) -> None:
    """The reader blocked (kicked) the bot: stop pushing to the chat until it comes back. In a channel of
    channels.yaml: pushes pause while the bot may not post there, and resume when it may again."""
    change = update.my_chat_member
    if change is None:
        return
    deps = context.deps
    status = change.new_chat_member.status
    if change.chat.type == ChatType.CHANNEL and deps.channels is not None:
        await deps.channels.bot_status_changed(change.chat, change.new_chat_member)
        return

    async def record() -> None:
        async with deps.db.write() as session:
            if status in (ChatMember.BANNED, ChatMember.LEFT):
                await mark_blocked(session, change.chat.id, deps.clock())
            elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR) and change.chat.type == "private":
                await register_chat(session, change.chat.id, change.chat.type, None, deps.clock())

    # No later update repeats a membership change: during an outage it waits for the database.
    if deps.outages is None:
        await record()
    else:
        await deps.outages.retry("recording a chat's membership change", record)


def fallback_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    """Registered last: whatever no command handler took. A card a reader posted with inline mode in the
    bot's own chat arrives "via" the bot: that is not a reader talking to it, and gets no hint."""
    return [
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.VIA_BOT, plain_text),
    ]


def membership_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)]
