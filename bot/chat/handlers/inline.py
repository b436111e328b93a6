"""Inline mode: ``@thebot ai agents`` in any chat lists matching articles; picking one posts its card.

A query naming a topic (as /subscribe resolves names and aliases) lists that topic's newest articles; other
words search as /search does, best match first; the empty query lists the newest of the reader's own topics
(their private chat's id is their user id), or the newest of all for a reader who follows none or never
started the bot. Nothing is stored about whoever asks: an inline query registers no chat.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, InlineQueryHandler

from bot.chat.context import NewsContext, chosen_texts, topic_directory
from bot.chat.inline_results import (
    PERSONAL_CACHE_SECONDS,
    SHARED_CACHE_SECONDS,
    InlinePage,
    follow_topic,
    inline_result,
)
from storage.catalog.article_cards import article_cards
from storage.catalog.listings import latest_articles, newest_articles, search_articles
from storage.readers.subscriptions import followed_topic_ids
from storage.records import ArticleSummary


async def answer_inline_query(update: Update, context: NewsContext) -> None:
    """One page of articles for the query, each a result that posts the article's card."""
    query = update.inline_query
    if query is None:
        return
    words = " ".join(query.query.split())
    page = InlinePage.parse(query.offset)
    deps = context.deps
    now = deps.clock()
    # Full-text ranking takes milliseconds: on SQLite, off the event loop's thread (as /search does).
    async with deps.db.read_bulk() as session:
        texts = chosen_texts(update, await deps.languages.get(query.from_user.id, session))
        preferred: Collection[int]
        if words:
            found, preferred = await _shared_matches(context, session, words, page)
        else:
            preferred = await followed_topic_ids(session, query.from_user.id)
            if preferred:
                found = await latest_articles(session, now, limit=page.fetch, chat_id=query.from_user.id)
            else:
                found = await newest_articles(session, now, limit=page.fetch)
        cards = await article_cards(session, page.slice(found))
    username = context.bot.username
    await query.answer(
        [inline_result(card, follow_topic(card, preferred), username, texts) for card in cards],
        cache_time=SHARED_CACHE_SECONDS if words else PERSONAL_CACHE_SECONDS,
        is_personal=not words,
        next_offset=page.next_offset(len(found)),
    )


async def _shared_matches(
    context: NewsContext, session: AsyncSession, words: str, page: InlinePage
) -> tuple[list[ArticleSummary], Collection[int]]:
    """A topic's newest when the words name one (its follow button then offers that topic), else the
    articles the words find."""
    now = context.deps.clock()
    lookup = (await topic_directory(context, session)).resolve([words])
    if lookup.found:
        topic = lookup.found[0]
        return await latest_articles(session, now, limit=page.fetch, topic_id=topic.id), (topic.id,)
    return await search_articles(session, words, now, limit=page.fetch), ()


def handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [InlineQueryHandler(answer_inline_query)]
