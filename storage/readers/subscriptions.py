"""Which topics each destination (chat, forum thread) follows, and the topics as it browses them.

Topic names, counts and aliases come from a ``TopicDirectory`` (storage/catalog/topic_directory.py); only the
destination's own subscriptions are read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import BigInteger, delete, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.topic_directory import TopicDirectory
from storage.db.models import Subscription, Topic, UTCDateTime
from storage.records import TopicSummary


async def followed_topic_ids(session: AsyncSession, chat_id: int, thread_id: int = 0) -> list[int]:
    """The ids of the topics this destination follows (one read of the subscriptions' primary key)."""
    rows = await session.scalars(
        select(Subscription.topic_id).where(
            Subscription.chat_id == chat_id, Subscription.thread_id == thread_id
        )
    )
    return list(rows)


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
    session: AsyncSession, directory: TopicDirectory, chat_id: int, thread_id: int = 0
) -> list[TopicSummary]:
    """The topics this destination follows, in name order."""
    return directory.in_order(await followed_topic_ids(session, chat_id, thread_id))
