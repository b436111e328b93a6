"""Article lists for readers: the newest of a chat's topics or of one topic, and full-text search.

Only live articles (not withdrawn) that are already published (``published_at <= now``) are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Result,
    Select,
    and_,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, ArticleTopic, Subscription, UTCDateTime
from storage.records import ArticleSummary

# Longer queries add little but cost a term each in the index (or a LIKE pair in the fallback).
MAX_SEARCH_TERMS = 16
# Letters and digits: the unicode61 tokenizer splits on everything else, underscores included, and
# leaving "_" out also keeps LIKE's wildcard out of the fallback's patterns.
_TERM = re.compile(r"[^\W_]+")
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)

# In ArticleSummary's field order, so a row unpacks straight into one.
_ARTICLE_COLUMNS = (
    Article.id,
    Article.title,
    Article.web_url,
    Article.excerpt,
    Article.provider_name,
    Article.published_at,
    Article.quality,
)
_ArticleRow = tuple[int, str, str, str | None, str | None, datetime, int | None]
_articles_fts = table("articles_fts", column("rowid"))
_fts: ColumnElement[str] = literal_column("articles_fts")


async def latest_articles(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    chat_id: int | None = None,
    topic_id: int | None = None,
    thread_id: int = 0,
) -> list[ArticleSummary]:
    """The newest articles of one topic, or of the topics a destination follows (each article once)."""
    if (chat_id is None) == (topic_id is None):
        raise ValueError("give exactly one of chat_id and topic_id")
    if limit <= 0:
        return []
    if topic_id is not None:
        statement = _latest_of_topic(topic_id, now, limit)
    else:
        assert chat_id is not None
        statement = _latest_followed(chat_id, thread_id, now, limit)
    return _summaries(await session.execute(statement))


def _latest_of_topic(topic_id: int, now: datetime, limit: int) -> Select[*_ArticleRow]:
    """One range scan of the topic's (topic_id, published_at) index, newest end first."""
    return (
        select(*_ARTICLE_COLUMNS)
        .select_from(ArticleTopic)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(ArticleTopic.topic_id == topic_id, ArticleTopic.published_at <= now, _live())
        .order_by(ArticleTopic.published_at.desc(), ArticleTopic.article_id.desc())
        .limit(limit)
    )


def _latest_followed(chat_id: int, thread_id: int, now: datetime, limit: int) -> Select[*_ArticleRow]:
    """Newest first across followed topics, reading about ``limit`` index entries per topic.

    The overall top ``limit`` can only contain each topic's own top ``limit``, so every followed topic is
    cut at the publication time of its ``limit``-th live article before the candidates are merged.
    """
    cutoff = (
        select(ArticleTopic.published_at)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(
            ArticleTopic.topic_id == Subscription.topic_id,
            ArticleTopic.published_at <= now,
            _live(),
        )
        .order_by(ArticleTopic.published_at.desc())
        .offset(limit - 1)
        .limit(1)
        .correlate(Subscription)
        .scalar_subquery()
    )
    followed = (
        select(Subscription.topic_id, cutoff.label("cutoff"))
        .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
        .subquery()
    )
    # A topic with fewer than ``limit`` live articles has no cutoff: all of them are candidates.
    since = func.coalesce(followed.c.cutoff, literal(_EARLIEST, UTCDateTime()))
    # Driven from the subscriptions, so an old, quiet topic costs as little as a busy one.
    return (
        select(*_ARTICLE_COLUMNS)
        .distinct()
        .select_from(ArticleTopic)
        .join(followed, followed.c.topic_id == ArticleTopic.topic_id)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(ArticleTopic.published_at <= now, ArticleTopic.published_at >= since, _live())
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )


def search_terms(query: str) -> list[str]:
    """The words of a reader's query, operators and punctuation dropped; at most ``MAX_SEARCH_TERMS``."""
    return _TERM.findall(query)[:MAX_SEARCH_TERMS]


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 query matching every term, the last one as a prefix (the reader may still be typing).

    Each term is a quoted string, so ``OR``, ``NEAR`` or ``title`` are plain words, never syntax.
    """
    quoted = [f'"{term}"' for term in terms]
    if quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


async def search_articles(
    session: AsyncSession, query: str, now: datetime, *, limit: int = 10
) -> list[ArticleSummary]:
    """Articles matching every word of ``query``, best match first; SQLite ranks them with FTS5's bm25."""
    terms = search_terms(query)
    if not terms or limit <= 0:
        return []
    if session.get_bind().dialect.name != "sqlite":
        return await search_articles_like(session, terms, now, limit=limit)
    # SQLite-specific: the articles_fts index that storage.database creates, ranked by bm25 (lower is
    # better), with a title hit weighing twice an excerpt hit.
    rank = func.bm25(_fts, 2.0, 1.0)
    statement = (
        select(*_ARTICLE_COLUMNS)
        .select_from(_articles_fts)
        .join(Article, Article.id == _articles_fts.c.rowid)
        .where(_fts.op("MATCH")(fts_query(terms)), _live(), Article.published_at <= now)
        .order_by(rank, Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return _summaries(await session.execute(statement))


async def search_articles_like(
    session: AsyncSession, terms: Sequence[str], now: datetime, *, limit: int = 10
) -> list[ArticleSummary]:
    """Portable search for databases without an FTS index: every term in the title or excerpt, newest first."""
    if not terms or limit <= 0:
        return []
    matches = [
        or_(Article.title.icontains(term, autoescape=True), Article.excerpt.icontains(term, autoescape=True))
        for term in terms
    ]
    statement = (
        select(*_ARTICLE_COLUMNS)
        .where(and_(*matches), _live(), Article.published_at <= now)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return _summaries(await session.execute(statement))


def _live() -> ColumnElement[bool]:
    return Article.withdrawn_at.is_(None)


def _summaries(rows: Result[*_ArticleRow]) -> list[ArticleSummary]:
    return [ArticleSummary(*row) for row in rows]
