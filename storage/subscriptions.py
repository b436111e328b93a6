"""Topics as readers browse them, and which topics each destination (chat, forum thread) follows."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, delete, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, ArticleTopic, Subscription, Topic, TopicAlias, UTCDateTime
from storage.records import TopicChoice, TopicLookup, TopicSummary
from storage.topics import clean_topic_name, topic_key

MAX_SUGGESTIONS = 3
_TOPIC_COLUMNS = (Topic.id, Topic.key, Topic.name, Topic.description)


async def list_topic_choices(
    session: AsyncSession,
    chat_id: int,
    *,
    offset: int,
    limit: int,
    thread_id: int = 0,
    now: datetime,
) -> tuple[list[TopicChoice], int]:
    """One page of the topics worth showing, in name order, and how many there are in all.

    A topic is shown when it has a live article, a description from ``topics.yaml``, or this destination
    follows it (so it can always be unfollowed).
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    followed = (
        select(Subscription.topic_id)
        .where(
            Subscription.chat_id == chat_id,
            Subscription.thread_id == thread_id,
            Subscription.topic_id == Topic.id,
        )
        .exists()
    )
    # Stops at the topic's first live article: one short index probe per topic.
    has_live = (
        select(ArticleTopic.article_id)
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(
            ArticleTopic.topic_id == Topic.id,
            ArticleTopic.published_at <= now,
            Article.withdrawn_at.is_(None),
        )
        .exists()
    )
    shown = or_(Topic.description.is_not(None), followed, has_live)
    total = await session.scalar(select(func.count()).select_from(Topic).where(shown)) or 0
    # The key is the casefolded, whitespace-collapsed name: ordering by it is case-insensitive everywhere.
    rows = (
        await session.execute(
            select(*_TOPIC_COLUMNS, followed.label("subscribed"))
            .where(shown)
            .order_by(Topic.key)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    summaries = await _summaries(session, rows, now)
    choices = [
        TopicChoice(summary, bool(row.subscribed)) for summary, row in zip(summaries, rows, strict=True)
    ]
    return choices, total


async def get_topic(session: AsyncSession, topic_id: int, now: datetime) -> TopicSummary | None:
    """One topic with its article count, or None when there is no such topic."""
    rows = (await session.execute(select(*_TOPIC_COLUMNS).where(Topic.id == topic_id))).all()
    summaries = await _summaries(session, rows, now)
    return summaries[0] if summaries else None


async def resolve_topics(session: AsyncSession, names: Sequence[str], now: datetime) -> TopicLookup:
    """Find topics by name or alias in any case and spacing; suggest close names for the rest."""
    typed: dict[str, str] = {}  # key -> the first spelling given
    for name in names:
        if key := topic_key(name):
            typed.setdefault(key, clean_topic_name(name))
    if not typed:
        return TopicLookup((), ())
    alias_rows = await session.execute(
        select(TopicAlias.alias_key, TopicAlias.topic_id).where(TopicAlias.alias_key.in_(typed))
    )
    name_rows = await session.execute(select(Topic.key, Topic.id).where(Topic.key.in_(typed)))
    # A topic's own name wins over another topic's alias of the same spelling.
    id_by_key = dict(alias_rows.all()) | dict(name_rows.all())
    found_ids = list(dict.fromkeys(id_by_key[key] for key in typed if key in id_by_key))
    unknown = [key for key in typed if key not in id_by_key]

    rows = (await session.execute(select(*_TOPIC_COLUMNS).where(Topic.id.in_(found_ids)))).all()
    by_id = {summary.id: summary for summary in await _summaries(session, rows, now)}
    found = tuple(by_id[topic_id] for topic_id in found_ids if topic_id in by_id)
    if not unknown:
        return TopicLookup(found, ())
    candidates = await _name_candidates(session)
    return TopicLookup(found, tuple((typed[key], _suggestions(key, candidates)) for key in unknown))


async def subscribe(
    session: AsyncSession, chat_id: int, topic_ids: Iterable[int], now: datetime, thread_id: int = 0
) -> list[int]:
    """Follow topics; returns those newly followed (ids that are followed already or unknown are skipped).

    The chat must be registered first: its row is what the subscription refers to.
    """
    wanted = list(dict.fromkeys(topic_ids))
    if not wanted:
        return []
    already = (
        select(Subscription.topic_id)
        .where(
            Subscription.chat_id == chat_id,
            Subscription.thread_id == thread_id,
            Subscription.topic_id == Topic.id,
        )
        .exists()
    )
    # Portable insert-if-missing: SQLite runs one writer at a time; on PostgreSQL a concurrent duplicate
    # fails on the primary key instead of doubling the row.
    source = select(
        literal(chat_id, BigInteger()),
        literal(thread_id, BigInteger()),
        Topic.id,
        literal(now, UTCDateTime()),
    ).where(Topic.id.in_(wanted), ~already)
    columns = ["chat_id", "thread_id", "topic_id", "created_at"]
    added = set(
        (
            await session.scalars(
                insert(Subscription).from_select(columns, source).returning(Subscription.topic_id)
            )
        ).all()
    )
    return [topic_id for topic_id in wanted if topic_id in added]


async def unsubscribe(
    session: AsyncSession, chat_id: int, topic_ids: Sequence[int] | None, thread_id: int = 0
) -> list[int]:
    """Stop following the given topics, or all of them for None; returns the ids actually unfollowed."""
    statement = delete(Subscription).where(
        Subscription.chat_id == chat_id, Subscription.thread_id == thread_id
    )
    if topic_ids is not None:
        if not topic_ids:
            return []
        statement = statement.where(Subscription.topic_id.in_(topic_ids))
    removed = set((await session.scalars(statement.returning(Subscription.topic_id))).all())
    order = dict.fromkeys(topic_ids) if topic_ids is not None else sorted(removed)
    return [topic_id for topic_id in order if topic_id in removed]


async def toggle_subscription(
    session: AsyncSession, chat_id: int, topic_id: int, now: datetime, thread_id: int = 0
) -> bool:
    """Follow the topic if not followed yet, else unfollow it; True when it is followed afterwards."""
    if await unsubscribe(session, chat_id, [topic_id], thread_id):
        return False
    return bool(await subscribe(session, chat_id, [topic_id], now, thread_id))


async def followed_topics(
    session: AsyncSession, chat_id: int, now: datetime, thread_id: int = 0
) -> list[TopicSummary]:
    """The topics this destination follows, in name order."""
    rows = (
        await session.execute(
            select(*_TOPIC_COLUMNS)
            .join(Subscription, Subscription.topic_id == Topic.id)
            .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
            .order_by(Topic.key)
        )
    ).all()
    return await _summaries(session, rows, now)


async def _article_counts(session: AsyncSession, topic_ids: Collection[int], now: datetime) -> dict[int, int]:
    """Live, already-published articles per topic; topics without any are left out."""
    if not topic_ids:
        return {}
    rows = await session.execute(
        select(ArticleTopic.topic_id, func.count())
        .join(Article, Article.id == ArticleTopic.article_id)
        .where(
            ArticleTopic.topic_id.in_(topic_ids),
            ArticleTopic.published_at <= now,
            Article.withdrawn_at.is_(None),
        )
        .group_by(ArticleTopic.topic_id)
    )
    return dict(rows.all())


async def _summaries(
    session: AsyncSession, rows: Sequence[Row[*tuple[Any, ...]]], now: datetime
) -> list[TopicSummary]:
    """Topic rows (id, key, name, description first) with their counts, in one grouped query."""
    counts = await _article_counts(session, [row.id for row in rows], now)
    return [TopicSummary(row.id, row.key, row.name, row.description, counts.get(row.id, 0)) for row in rows]


async def _name_candidates(session: AsyncSession) -> dict[str, str]:
    """Every topic key and alias key, each with the display name it stands for."""
    aliases = await session.execute(
        select(TopicAlias.alias_key, Topic.name).join(Topic, Topic.id == TopicAlias.topic_id)
    )
    names = await session.execute(select(Topic.key, Topic.name))
    return dict(aliases.all()) | dict(names.all())


def _suggestions(key: str, candidates: dict[str, str]) -> tuple[str, ...]:
    """Up to three display names whose name or alias is close to ``key``, closest first."""
    # Ask for extra matches: a topic's name and its aliases may all be close, and each counts once.
    close = difflib.get_close_matches(key, candidates, n=MAX_SUGGESTIONS * 4)
    return tuple(dict.fromkeys(candidates[match] for match in close))[:MAX_SUGGESTIONS]
