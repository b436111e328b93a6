"""Article lists for readers: the newest of a chat's topics or of one topic, and full-text search.

Search uses the index revision 0006 makes: FTS5 on SQLite, a GIN index of a ``tsvector`` on PostgreSQL, over
the title, the excerpt and the search keywords (storage.catalog.search_words). Title or excerpt hits come
first; articles found only by their keywords follow.

Only live articles (not withdrawn) that are already published (``published_at <= now``) are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Result,
    Select,
    Text,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Article, ArticleTopic, Subscription, UTCDateTime
from storage.records import ArticleSummary

# Longer queries add little but cost a term each in the index.
MAX_SEARCH_TERMS = 16
# How many of the newest matches /search ranks (search_articles).
SEARCH_CANDIDATES = 200
# Letters and digits: the unicode61 tokenizer splits on everything else, underscores included; in a
# PostgreSQL query each term is quoted, and quotes and backslashes are never part of one.
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
    Article.provider_domain,
)
_ArticleRow = tuple[int, str, str, str | None, str | None, datetime, int | None, str | None]
_articles_fts = table("articles_fts", column("rowid"))
_fts: ColumnElement[str] = literal_column("articles_fts")


def _sql(literal: str) -> ColumnElement[str]:
    """A constant written into the statement: an expression index only matches constants, not parameters."""
    return literal_column(literal, Text)


# PostgreSQL: the documents revisions 0001 and 0006 index (GIN, ``ix_articles_search`` of the title and
# excerpt, ``ix_articles_search_all`` with the search keywords too); each must be spelled exactly like its
# index, or the planner scans every article. The 'simple' configuration lowercases and keeps every word (no
# stemming, no stop words), like SQLite's unicode61; unlike it, it keeps diacritics and reads "example.com"
# or "3.5" as one word.
_SIMPLE = _sql("'simple'")
_SPACE = _sql("' '")
_NOTHING = _sql("''")
_title_and_excerpt = Article.title.op("||")(_SPACE).op("||")(func.coalesce(Article.excerpt, _NOTHING))
_main_document = func.to_tsvector(_SIMPLE, _title_and_excerpt)
_document = func.to_tsvector(
    _SIMPLE, _title_and_excerpt.op("||")(_SPACE).op("||")(func.coalesce(Article.search_keywords, _NOTHING))
)
# Ranking only reads the matches, so it may weigh the parts on their own: a title hit twice an excerpt hit,
# as on SQLite, and the search keywords (slug, file name, source, topics) least.
_weighted_document = (
    func.setweight(func.to_tsvector(_SIMPLE, Article.title), _sql("'A'"))
    .op("||")(
        func.setweight(func.to_tsvector(_SIMPLE, func.coalesce(Article.excerpt, _NOTHING)), _sql("'B'"))
    )
    .op("||")(
        func.setweight(
            func.to_tsvector(_SIMPLE, func.coalesce(Article.search_keywords, _NOTHING)), _sql("'D'")
        )
    )
)
_WEIGHTS = _sql("'{0.1, 0.2, 0.5, 1.0}'::real[]")  # D (keywords), C, B (excerpt), A (title)
_BY_LENGTH = 1  # ts_rank normalization: divide by 1 + log(length), so long texts do not win by size


# The statements below are built once, with their values as parameters: building one per request cost more
# CPU than running it (a /latest statement took 0.4 ms to build, its SQLite query 0.08 ms), and SQLAlchemy
# finds a prebuilt statement's compiled form in its cache without building a cache key again.
_NOW = bindparam("now", type_=UTCDateTime())
_LIMIT = bindparam("limit", type_=Integer())
_CANDIDATES = bindparam("candidates", type_=Integer())


def _live() -> ColumnElement[bool]:
    return Article.withdrawn_at.is_(None)


def _latest_of_topic() -> Select[*_ArticleRow]:
    """One range scan of the topic's (topic_id, published_at) index, newest end first."""
    return (
        select(*_ARTICLE_COLUMNS)
        .select_from(ArticleTopic)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(
            ArticleTopic.topic_id == bindparam("topic_id", type_=BigInteger()),
            ArticleTopic.published_at <= _NOW,
            _live(),
        )
        .order_by(ArticleTopic.published_at.desc(), ArticleTopic.article_id.desc())
        .limit(_LIMIT)
    )


def _latest_followed() -> Select[*_ArticleRow]:
    """Newest first across followed topics, reading about ``limit`` index entries per topic.

    The overall top ``limit`` can only contain each topic's own top ``limit``, so every followed topic is
    cut at the publication time of its ``limit``-th live article (``cutoff_offset`` is ``limit - 1``)
    before the candidates are merged.
    """
    cutoff = (
        select(ArticleTopic.published_at)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(
            ArticleTopic.topic_id == Subscription.topic_id,
            ArticleTopic.published_at <= _NOW,
            _live(),
        )
        .order_by(ArticleTopic.published_at.desc())
        .offset(bindparam("cutoff_offset", type_=Integer()))
        .limit(1)
        .correlate(Subscription)
        .scalar_subquery()
    )
    followed = (
        select(Subscription.topic_id, cutoff.label("cutoff"))
        .where(
            Subscription.chat_id == bindparam("chat_id", type_=BigInteger()),
            Subscription.thread_id == bindparam("thread_id", type_=BigInteger()),
        )
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
        .where(ArticleTopic.published_at <= _NOW, ArticleTopic.published_at >= since, _live())
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(_LIMIT)
    )


def _latest_live() -> Select[*_ArticleRow]:
    """Newest first over every live article: one range scan of ``ix_articles_live_published``."""
    return (
        select(*_ARTICLE_COLUMNS)
        .where(_live(), Article.published_at <= _NOW)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(_LIMIT)
    )


_LATEST_OF_TOPIC = _latest_of_topic()
_LATEST_FOLLOWED = _latest_followed()
_LATEST_LIVE = _latest_live()


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
        rows = await session.execute(_LATEST_OF_TOPIC, {"topic_id": topic_id, "now": now, "limit": limit})
    else:
        values = {
            "chat_id": chat_id,
            "thread_id": thread_id,
            "now": now,
            "limit": limit,
            "cutoff_offset": limit - 1,
        }
        rows = await session.execute(_LATEST_FOLLOWED, values)
    return _summaries(rows)


async def newest_articles(session: AsyncSession, now: datetime, *, limit: int) -> list[ArticleSummary]:
    """The newest live, published articles of every topic (inline mode's answer for a reader who follows
    nothing)."""
    if limit <= 0:
        return []
    return _summaries(await session.execute(_LATEST_LIVE, {"now": now, "limit": limit}))


_SQLITE_PASSES = ((False, False), (True, False))  # (prefix, main only): whole words, then a prefix


def search_terms(query: str) -> list[str]:
    """The words of a reader's query, operators and punctuation dropped; at most ``MAX_SEARCH_TERMS``."""
    return _TERM.findall(query)[:MAX_SEARCH_TERMS]


def fts_query(terms: Sequence[str], *, prefix: bool = True) -> str:
    """An FTS5 query matching every term, the last one as a prefix (the reader may still be typing).

    Each term is a quoted string, so ``OR``, ``NEAR`` or ``title`` are plain words, never syntax.
    """
    quoted = [f'"{term}"' for term in terms]
    if quoted and prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


async def search_articles(
    session: AsyncSession, query: str, now: datetime, *, limit: int = 10, candidates: int = SEARCH_CANDIDATES
) -> list[ArticleSummary]:
    """Articles matching every word of ``query``, best match first: whole words in the title or excerpt
    first, then whole words only in the keywords (slug, file name, source, topics), then, while there are
    fewer than ``limit``, the same with the last word also as a prefix (the reader may have typed part of
    it). SQLite ranks both kinds of hit in one query (a column filter cost 1.4 ms more per search at
    100,000 articles); PostgreSQL asks its two indexes in turn.

    Only the ``candidates`` newest matches are ranked: a common word matches most of the archive, and
    ranking every match cost 60 ms at 100,000 articles. Newest means the latest stored (the highest ids).
    Whole words first, because a prefix makes the index merge every word it begins (4 ms for a common one).
    """
    terms = search_terms(query)
    if not terms or limit <= 0:
        return []
    found: dict[int, ArticleSummary] = {}
    postgresql = session.get_bind().dialect.name == "postgresql"
    passes = ((False, True), (False, False), (True, True), (True, False)) if postgresql else _SQLITE_PASSES
    for prefix, main_only in passes:
        values = {"now": now, "limit": limit, "candidates": candidates}
        if postgresql:
            statement = _SEARCH_POSTGRESQL_MAIN if main_only else _SEARCH_POSTGRESQL
            values["query"] = tsquery(terms, prefix=prefix)
        else:
            statement = _SEARCH_SQLITE
            values["match"] = fts_query(terms, prefix=prefix)
        for article in _summaries(await session.execute(statement, values)):
            found.setdefault(article.id, article)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]


def _search_sqlite() -> Select[*_ArticleRow]:
    """The articles_fts index revision 0006 makes: articles with a hit in the title or excerpt first (their
    bm25 without the keywords is not 0), then by bm25 (lower is better), a title hit weighing twice an
    excerpt hit and the keywords least. FTS5 hands out matches newest first (highest rowid) cheaply; each
    is checked live and published until ``candidates`` are found, and only those are ranked."""
    hits = (
        select(
            *_ARTICLE_COLUMNS,
            (func.bm25(_fts, 2.0, 1.0, 0.0) == 0).label("keywords_only"),
            func.bm25(_fts, 2.0, 1.0, 0.3).label("rank"),
        )
        .select_from(_articles_fts)
        .join(Article, Article.id == _articles_fts.c.rowid)
        .where(_fts.op("MATCH")(bindparam("match", type_=Text())), _live(), Article.published_at <= _NOW)
        .order_by(_articles_fts.c.rowid.desc())
        .limit(_CANDIDATES)
        .subquery()
    )
    columns = [hits.c[column.key] for column in _ARTICLE_COLUMNS]
    return (
        select(*columns)
        .order_by(hits.c.keywords_only, hits.c.rank, hits.c.published_at.desc(), hits.c.id.desc())
        .limit(_LIMIT)
    )


def tsquery(terms: Sequence[str], *, prefix: bool = True) -> str:
    """A PostgreSQL ``to_tsquery`` text matching every term, the last one as a prefix.

    Each term is quoted, so ``!``, ``&`` or ``<->`` in a reader's words could never be operators (and
    ``search_terms`` keeps none anyway).
    """
    quoted = [f"'{term}'" for term in terms]
    if quoted and prefix:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def _search_postgresql(main_only: bool) -> Select[*_ArticleRow]:
    """A GIN index lookup of the title and excerpt (``main_only``) or of the whole document: the newest
    ``candidates`` matches of ``query`` (``tsquery``), ranked by ``ts_rank`` (higher is better)."""
    matching = func.to_tsquery(_SIMPLE, bindparam("query", type_=Text()))
    document = _main_document if main_only else _document
    where = [document.bool_op("@@")(matching), _live(), Article.published_at <= _NOW]
    hits = select(Article.id).where(*where).order_by(Article.id.desc()).limit(_CANDIDATES).subquery()
    rank = func.ts_rank(_WEIGHTS, _weighted_document, matching, _BY_LENGTH)
    return (
        select(*_ARTICLE_COLUMNS)
        .join(hits, hits.c.id == Article.id)
        .order_by(rank.desc(), Article.published_at.desc(), Article.id.desc())
        .limit(_LIMIT)
    )


_SEARCH_SQLITE = _search_sqlite()
_SEARCH_POSTGRESQL_MAIN = _search_postgresql(main_only=True)
_SEARCH_POSTGRESQL = _search_postgresql(main_only=False)


def _summaries(rows: Result[*_ArticleRow]) -> list[ArticleSummary]:
    return [ArticleSummary(*row) for row in rows]
