"""Sharing topics: /share gives the t.me link that follows a topic, and /start follows the one it opened.

A link is ``https://t.me/<bot>?start=follow-<topic id>-<slug>`` (bot/chat/deeplinks.py). Opening it sends
``/start follow-…``; the reader is registered as /start does, follows the topic and sees it confirmed above
the usual topics keyboard, in one message. In a group only its admins follow through a link.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat.commands import Command
from bot.chat.context import NewsContext, register_sender, texts_of, topic_directory
from bot.chat.deeplinks import follow_link, followed_by
from bot.chat.destinations import thread_of
from bot.chat.handlers.groups import in_group, sender_is_admin
from bot.chat.handlers.topics import command_argument, lookup_problems, topic_names, topics_page
from bot.chat.keyboards import TOPICS_PER_PAGE
from bot.chat.render import escape
from bot.chat.replies import reply
from bot.texts.en import Texts
from storage.catalog.topic_directory import TopicDirectory
from storage.readers.subscriptions import followed_topic_ids, followed_topics, subscribe
from storage.records import TopicSummary

# /share with no argument lists the links of the topics followed, at most this many in one message.
SHARE_LIMIT = 10


async def follow_from_link(update: Update, context: NewsContext, payload: str) -> str | None:
    """``/start <payload>``: follow the link's topic and confirm it in one message, or refuse a group member
    who is not an admin (None is returned: answered); a payload that follows nothing gets the notice to show
    above the usual greeting instead."""
    chat = update.effective_chat
    texts = await texts_of(update, context)
    topic_id = followed_by(payload)
    if chat is None or topic_id is None:
        return texts.link_broken
    if in_group(update) and not await sender_is_admin(update, context):
        await reply(update, texts.group_admins_only)  # as the admin guard answers /subscribe
        return None
    deps = context.deps
    thread = thread_of(update.effective_message)
    async with deps.db.write() as session:
        directory = await topic_directory(context, session)
        topic = directory.get(topic_id)
        # A topic with no live article and no description is withdrawn: /topics no longer shows it.
        if topic is None or topic.id not in directory.shown:
            return texts.link_topic_gone
        await register_sender(session, update, deps.clock())
        added = await subscribe(session, chat.id, [topic.id], deps.clock(), thread)
        followed = await followed_topic_ids(session, chat.id, thread)
    header, markup = topics_page(directory, followed, page_of(directory, followed, topic.id), texts)
    confirmation = texts.link_followed if added else texts.link_already_followed
    await reply(update, f"{confirmation.format(topic=escape(topic.name))}\n\n{header}", markup)
    return None


def page_of(directory: TopicDirectory, followed: list[int], topic_id: int) -> int:
    """The page of the topics keyboard that shows ``topic_id`` (0 when it is not listed)."""
    listed, _total = directory.page(followed, 0, len(directory.by_id))
    ids = [topic.id for topic in listed]
    return ids.index(topic_id) // TOPICS_PER_PAGE if topic_id in ids else 0


def share_message(
    bot_username: str, topics: Sequence[TopicSummary], problems: Sequence[str], texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /share reply: one link per topic (the first ``SHARE_LIMIT``), each also a "Follow" button."""
    shown = list(topics[:SHARE_LIMIT])
    lines = [texts.share_header] if shown else []
    buttons = []
    for topic in shown:
        link = follow_link(bot_username, topic.id, topic.name)
        lines.append(texts.share_line.format(topic=escape(topic.name), link=link))
        buttons.append([InlineKeyboardButton(texts.share_button.format(topic=topic.name), url=link)])
    if len(topics) > len(shown):
        lines.append(texts.share_more.format(n=len(topics) - len(shown)))
    lines.extend(problems)
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


async def share(update: Update, context: NewsContext) -> None:
    """The link that makes whoever opens it follow a topic; no argument: the links of the chat's topics."""
    chat = update.effective_chat
    if chat is None:
        return
    names = topic_names(command_argument(update))
    async with context.deps.db.lookups() as session:
        texts = await texts_of(update, context, session)
        directory = await topic_directory(context, session)
        if names:
            lookup = directory.resolve(names)
            topics, problems = list(lookup.found), lookup_problems(lookup, texts)
        else:
            topics = await followed_topics(session, directory, chat.id, thread_of(update.effective_message))
            problems = []
    if not topics and not problems:
        await reply(update, texts.share_usage)
        return
    text, markup = share_message(context.bot.username, topics, problems, texts)
    await reply(update, text, markup)


def commands() -> list[Command]:
    return [Command("share", "a link that follows a topic: /share AI", share, for_everyone=True)]
