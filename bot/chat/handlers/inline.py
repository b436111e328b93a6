"""Inline mode: ``@thebot ai agents`` in any chat lists matching articles; picking one posts its card.

A query naming a topic (as /subscribe resolves names and aliases) lists that topic's newest articles; other
words, or a topic without a live article, search as /search does, best match first; the empty query lists
the newest of the reader's own topics (their private chat's id is their user id), or the newest of all for
a reader whose topics have none, who follows none or never started the bot. Nothing is stored about
whoever asks: an inline query registers no chat. While the database is away the answer is the
"temporarily unavailable" notice (``answer_unavailable``)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, InlineQueryHandler

from bot.chat.context import NewsContext, chosen_texts, topic_directory
from bot.chat.inline_results import (
    UNAVAILABLE_CACHE_SECONDS,
    InlinePage,
    caching,
    follow_topic,
    inline_result,
    unavailable_button,
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
    # Full-text ranking takes milliseconds: on SQLite, off the event loop's thread (as /search does).
    async with deps.db.read_bulk() as session:
        # Kept on the context, so the notice of an outage later in this update is in the same language.
        context.texts = chosen_texts(update, await deps.languages.get(query.from_user.id, session))
        if words:
            found, preferred = await _word_matches(context, session, words, page)
        else:
            found, preferred = await _own_matches(context, session, query.from_user.id, page)
        cards = await article_cards(session, page.slice(found))
    texts, username = context.texts, context.bot.username
    cache_time, personal = caching(words)
    await query.answer(
        [inline_result(card, follow_topic(card, preferred), username, texts) for card in cards],
        cache_time=cache_time,
        is_personal=personal,
        next_offset=page.next_offset(len(found)),
    )


async def answer_unavailable(update: Update, context: NewsContext) -> None:
    """The database failed an inline query (bot/app.py's error handler): no results, and above them the
    "temporarily unavailable" notice in the reader's language as last known, cached by nobody."""
    query = update.inline_query
    if query is None:
        return
    texts = context.texts or chosen_texts(update, context.deps.languages.known(query.from_user.id))
    await query.answer(
        [], cache_time=UNAVAILABLE_CACHE_SECONDS, is_personal=True, button=unavailable_button(texts)
    )


async def _word_matches(
    context: NewsContext, session: AsyncSession, words: str, page: InlinePage
) -> tuple[list[ArticleSummary], Collection[int]]:
    """A topic's newest when the words name one with live articles (its follow button then offers that
    topic), else the articles the words find: a topic without articles yet may still be written about."""
    now = context.deps.clock()
    lookup = (await topic_directory(context, session)).resolve([words])
    if lookup.found:
        topic = lookup.found[0]
        newest = await latest_articles(session, now, limit=page.fetch, topic_id=topic.id)
        if newest:
            return newest, (topic.id,)
    return await search_articles(session, words, now, limit=page.fetch), ()


async def _own_matches(
    context: NewsContext, session: AsyncSession, user_id: int, page: InlinePage
) -> tuple[list[ArticleSummary], Collection[int]]:
    """The newest of the reader's own topics (their private chat's id is their user id), else, when they
    follow none or theirs have no live article, the newest of all rather than an empty list."""
    now = context.deps.clock()
    followed = await followed_topic_ids(session, user_id)
    if followed:
        own = await latest_articles(session, now, limit=page.fetch, chat_id=user_id)
        if own:
            return own, followed
    return await newest_articles(session, now, limit=page.fetch), followed


def handlers() -> list[BaseHandler[Update, NewsContext, None]]:
    return [InlineQueryHandler(answer_inline_query)]
