"""/latest and /search: articles as a list of links."""

from __future__ import annotations

from telegram import Update

from bot.chat.commands import Command
from bot.chat.context import NewsContext, texts_of, topic_directory
from bot.chat.destinations import thread_of
from bot.chat.handlers.topics import command_argument, lookup_problems
from bot.chat.render import articles_text, escape, shorten
from bot.chat.replies import reply
from storage.catalog.listings import latest_articles, search_articles

LATEST_DEFAULT, LATEST_MAX = 5, 20
SEARCH_LIMIT = 10
MAX_QUERY_SHOWN = 100


def parse_latest(argument: str) -> tuple[int, str]:
    """``[n] [topic]`` in either order of presence: a leading number is the count, the rest a topic."""
    first, _, rest = argument.partition(" ")
    if first.isdigit():
        return max(1, min(int(first), LATEST_MAX)), rest.strip()
    return LATEST_DEFAULT, argument


async def latest(update: Update, context: NewsContext) -> None:
    """The newest articles of the chat's topics, or of one named topic."""
    chat = update.effective_chat
    if chat is None:
        return
    count, topic_name = parse_latest(command_argument(update))
    deps = context.deps
    now = deps.clock()
    async with deps.db.lookups() as session:
        texts = await texts_of(update, context, session)
        if topic_name:
            lookup = (await topic_directory(context, session)).resolve([topic_name])
            if not lookup.found:
                await reply(update, "\n".join([*lookup_problems(lookup, texts), texts.latest_usage]))
                return
            topic = lookup.found[0]
            articles = await latest_articles(session, now, limit=count, topic_id=topic.id)
            header = texts.latest_topic_header.format(topic=escape(topic.name))
        else:
            thread = thread_of(update.effective_message)
            articles = await latest_articles(session, now, limit=count, chat_id=chat.id, thread_id=thread)
            header = texts.latest_header
            if not articles:
                await reply(update, texts.no_topics_followed)
                return
    if not articles:
        await reply(update, texts.latest_empty)
        return
    await reply(update, articles_text(header, articles, now, texts))


async def search(update: Update, context: NewsContext) -> None:
    """Articles whose title or excerpt match the words, best match first."""
    query = command_argument(update)
    deps = context.deps
    now = deps.clock()
    # Full-text matching and ranking take milliseconds: on SQLite, off the event loop's thread.
    async with deps.db.read_bulk() as session:
        texts = await texts_of(update, context, session)
        articles = await search_articles(session, query, now, limit=SEARCH_LIMIT) if query else []
    if not query:
        await reply(update, texts.search_usage)
        return
    shown = escape(shorten(query, MAX_QUERY_SHOWN))
    if not articles:
        await reply(update, texts.search_empty.format(query=shown))
        return
    await reply(update, articles_text(texts.search_header.format(query=shown), articles, now, texts))


def commands() -> list[Command]:
    return [
        Command("latest", "newest articles: /latest [n] [topic]", latest, for_everyone=True),
        Command("search", "find articles: /search words", search, for_everyone=True),
    ]
