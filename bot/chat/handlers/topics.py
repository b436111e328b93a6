"""/topics, /subscribe, /unsubscribe and /mytopics, and their inline buttons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat.callbacks import ToggleTopic, TopicsPage, Unfollow, matches
from bot.chat.commands import Command
from bot.chat.context import NewsContext, register_sender, texts_of, topic_directory
from bot.chat.destinations import tap_of, thread_of
from bot.chat.keyboards import TOPICS_PER_PAGE, clamp_page, followed_keyboard, topics_keyboard
from bot.chat.render import escape, quoted_names, topic_list
from bot.chat.replies import edit_in_place, reply
from bot.texts.en import Texts
from storage.catalog.topic_directory import TopicDirectory
from storage.readers.subscriptions import (
    followed_topic_ids,
    followed_topics,
    subscribe,
    toggle_subscription,
    unsubscribe,
)
from storage.records import TopicChoice, TopicLookup


def command_argument(update: Update) -> str:
    """Everything after the command word (``/cmd@bot``), trimmed."""
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def topic_names(argument: str) -> list[str]:
    return [name for name in (part.strip() for part in argument.split(",")) if name]


def topics_page(
    directory: TopicDirectory, followed: list[int], page: int, texts: Texts
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /topics message of a destination that follows ``followed``: header and one page of the keyboard."""
    choices, total = directory.page(followed, page * TOPICS_PER_PAGE, TOPICS_PER_PAGE)
    if not choices and total:
        page = clamp_page(page, total)
        choices, total = directory.page(followed, page * TOPICS_PER_PAGE, TOPICS_PER_PAGE)
    if not total:
        return texts.topics_empty, None
    following = set(followed)
    marked = [TopicChoice(topic, topic.id in following) for topic in choices]
    return texts.topics_header.format(followed=len(following)), topics_keyboard(marked, page, total)


async def destination_topics_page(
    session: AsyncSession,
    directory: TopicDirectory,
    chat_id: int,
    page: int,
    texts: Texts,
    thread_id: int = 0,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One /topics page of a destination (chat, forum topic), reading what it follows."""
    followed = await followed_topic_ids(session, chat_id, thread_id)
    return topics_page(directory, followed, page, texts)


async def first_topics_page(
    context: NewsContext, chat_id: int, texts: Texts, thread_id: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The first /topics page, in a read session of its own."""
    async with context.deps.db.lookups() as session:
        directory = await topic_directory(context, session)
        return await destination_topics_page(session, directory, chat_id, 0, texts, thread_id)


async def show_topics(update: Update, context: NewsContext) -> None:
    """Every topic with its article count; tap to follow or unfollow."""
    if update.effective_chat is None:
        return
    thread = thread_of(update.effective_message)
    async with context.deps.db.lookups() as session:
        texts = await texts_of(update, context, session)
        directory = await topic_directory(context, session)
        chat_id = update.effective_chat.id
        text, markup = await destination_topics_page(session, directory, chat_id, 0, texts, thread)
    await reply(update, text, markup)


def lookup_problems(lookup: TopicLookup, texts: Texts) -> list[str]:
    lines = []
    for name, suggestions in lookup.unknown:
        line = texts.unknown_topic.format(name=escape(name))
        if suggestions:
            line += " " + texts.did_you_mean.format(suggestions=quoted_names(suggestions, texts))
        lines.append(line)
    return lines


def outcome(lookup: TopicLookup, changed: list[int], done: str, unchanged: str, texts: Texts) -> str:
    """The reply to /subscribe or /unsubscribe: what changed, what already was so, what is unknown."""
    lines = []
    for template, topics in (
        (done, [t for t in lookup.found if t.id in changed]),
        (unchanged, [t for t in lookup.found if t.id not in changed]),
    ):
        if topics:
            lines.append(template.format(topics=topic_list(topics)))
    lines.extend(lookup_problems(lookup, texts))
    return "\n".join(lines)


async def subscribe_command(update: Update, context: NewsContext) -> None:
    """Follow the named topics (comma-separated); no argument shows the keyboard."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    names = topic_names(command_argument(update))
    thread = thread_of(update.effective_message)
    if chat is None:
        return
    if not names:
        text, markup = await first_topics_page(context, chat.id, texts, thread)
        await reply(update, f"{texts.subscribe_usage}\n\n{text}", markup)
        return
    deps = context.deps
    async with deps.db.write() as session:
        lookup = (await topic_directory(context, session)).resolve(names)
        added: list[int] = []
        if lookup.found:
            await register_sender(session, update, deps.clock())
            added = await subscribe(session, chat.id, [t.id for t in lookup.found], deps.clock(), thread)
    await reply(update, outcome(lookup, added, texts.subscribed, texts.already_subscribed, texts))


async def unsubscribe_command(update: Update, context: NewsContext) -> None:
    """Unfollow the named topics, or ``all``; no argument shows the keyboard."""
    chat, texts = update.effective_chat, await texts_of(update, context)
    argument = command_argument(update)
    thread = thread_of(update.effective_message)
    if chat is None:
        return
    deps = context.deps
    if argument.casefold() == "all":
        async with deps.db.write() as session:
            await unsubscribe(session, chat.id, None, thread)
        await reply(update, texts.unsubscribed_all)
        return
    names = topic_names(argument)
    if not names:
        text, markup = await first_topics_page(context, chat.id, texts, thread)
        await reply(update, f"{texts.unsubscribe_usage}\n\n{text}", markup)
        return
    async with deps.db.write() as session:
        lookup = (await topic_directory(context, session)).resolve(names)
        found = [t.id for t in lookup.found]
        removed = await unsubscribe(session, chat.id, found, thread) if found else []
    await reply(update, outcome(lookup, removed, texts.unsubscribed, texts.not_subscribed, texts))


async def my_topics(update: Update, context: NewsContext) -> None:
    """The chat's topics, each with a one-tap unsubscribe button."""
    chat = update.effective_chat
    if chat is None:
        return
    async with context.deps.db.lookups() as session:
        texts = await texts_of(update, context, session)
        directory = await topic_directory(context, session)
        topics = await followed_topics(session, directory, chat.id, thread_of(update.effective_message))
    if not topics:
        await reply(update, texts.no_topics_followed)
        return
    await reply(update, texts.mytopics_header, followed_keyboard(topics))


async def on_toggle(update: Update, context: NewsContext) -> None:
    """A topic button: toggle, toast, and redraw the same page."""
    tap = tap_of(update, ToggleTopic)
    if tap is None:
        return
    query, action = tap.query, tap.action
    deps = context.deps
    thread = tap.thread_id
    # One short write transaction: the directory is in memory; the chat's row, its subscriptions and the
    # change are three statements, and the redrawn page needs no fourth.
    async with deps.db.write() as session:
        texts = await texts_of(update, context, session)
        directory = await topic_directory(context, session)
        topic = directory.get(action.topic_id)
        if topic is not None:
            await register_sender(session, update, deps.clock())
            now_following, followed = await toggle_subscription(
                session, tap.chat_id, topic.id, deps.clock(), thread
            )
            text, markup = topics_page(directory, followed, action.page, texts)
    if topic is None:
        await query.answer(texts.toast_topic_gone)
        return
    toast = texts.toast_subscribed if now_following else texts.toast_unsubscribed
    await query.answer(toast.format(topic=topic.name))
    await edit_in_place(query, text, markup)


async def on_page(update: Update, context: NewsContext) -> None:
    """◀ / ▶: show another page of topics."""
    tap = tap_of(update, TopicsPage)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    await query.answer()
    async with context.deps.db.lookups() as session:
        directory = await topic_directory(context, session)
        text, markup = await destination_topics_page(
            session, directory, tap.chat_id, action.page, texts, tap.thread_id
        )
    await edit_in_place(query, text, markup)


async def on_unfollow(update: Update, context: NewsContext) -> None:
    """✖ in /mytopics: unfollow and redraw the list."""
    tap = tap_of(update, Unfollow)
    if tap is None:
        return
    query, action, texts = tap.query, tap.action, await texts_of(update, context)
    deps = context.deps
    thread = tap.thread_id
    async with deps.db.write() as session:
        directory = await topic_directory(context, session)
        await unsubscribe(session, tap.chat_id, [action.topic_id], thread)
        topic = directory.get(action.topic_id)
        remaining = await followed_topics(session, directory, tap.chat_id, thread)
    await query.answer(texts.toast_unsubscribed.format(topic=topic.name) if topic else texts.toast_topic_gone)
    if remaining:
        await edit_in_place(query, texts.mytopics_header, followed_keyboard(remaining))
    else:
        await edit_in_place(query, texts.no_topics_followed, None)


def commands() -> list[Command]:
    return [
        Command("topics", "pick the topics you follow", show_topics, for_everyone=True),
        Command("subscribe", "follow topics: /subscribe AI, Space", subscribe_command),
        Command("unsubscribe", "unfollow topics, or all of them", unsubscribe_command),
        Command("mytopics", "the topics you follow", my_topics, for_everyone=True),
    ]


def button_handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [
        CallbackQueryHandler(on_toggle, pattern=matches(ToggleTopic)),
        CallbackQueryHandler(on_page, pattern=matches(TopicsPage)),
        CallbackQueryHandler(on_unfollow, pattern=matches(Unfollow)),
    ]
