"""Which topics each destination (chat, forum thread) follows, and the topics as it browses them.

Topic names, counts and aliases come from a ``TopicDirectory`` (storage/catalog/topic_directory.py); only the
destination's own subscriptions are read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import BigInteger, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from storage.catalog.topic_directory import TopicDirectory
from storage.db.models import Subscription, Topic, UTCDateTime, table
from storage.records import TopicSummary

# Built once, values as parameters: readers follow and browse topics on most updates, and building a
# statement per request cost more CPU than running it.
_CHAT = bindparam("chat_id", type_=BigInteger())
_THREAD = bindparam("thread_id", type_=BigInteger())
_TOPICS = bindparam("topic_ids", type_=BigInteger(), expanding=True)
# Through the table (Core): the ORM adds work to each execution, and an ORM insert or delete given
# parameters would be an ORM bulk one.
_subscriptions = table(Subscription)
_OF_DESTINATION = (_subscriptions.c.chat_id == _CHAT, _subscriptions.c.thread_id == _THREAD)

_FOLLOWED = select(_subscriptions.c.topic_id).where(*_OF_DESTINATION)


def _subscribe() -> ReturningInsert[int]:
    topics = table(Topic)
    already = (
        select(_subscriptions.c.topic_id)
        .where(*_OF_DESTINATION, _subscriptions.c.topic_id == topics.c.id)
        .exists()
    )
    # Portable insert-if-missing: SQLite runs one writer at a time; on PostgreSQL a concurrent duplicate
    # fails on the primary key instead of doubling the row.
    source = select(_CHAT, _THREAD, topics.c.id, bindparam("now", type_=UTCDateTime())).where(
        topics.c.id.in_(_TOPICS), ~already
    )
    columns = ["chat_id", "thread_id", "topic_id", "created_at"]
    return insert(_subscriptions).from_select(columns, source).returning(_subscriptions.c.topic_id)


_SUBSCRIBE = _subscribe()
_UNSUBSCRIBE_ALL = delete(_subscriptions).where(*_OF_DESTINATION).returning(_subscriptions.c.topic_id)
_UNSUBSCRIBE = (
    delete(_subscriptions)
    .where(*_OF_DESTINATION, _subscriptions.c.topic_id.in_(_TOPICS))
    .returning(_subscriptions.c.topic_id)
)


async def followed_topic_ids(session: AsyncSession, chat_id: int, thread_id: int = 0) -> list[int]:
    """The ids of the topics this destination follows (one read of the subscriptions' primary key)."""
    return list(await session.scalars(_FOLLOWED, {"chat_id": chat_id, "thread_id": thread_id}))


async def subscribe(
    session: AsyncSession, chat_id: int, topic_ids: Iterable[int], now: datetime, thread_id: int = 0
) -> list[int]:
    """Follow topics; returns those newly followed (ids that are followed already or unknown are skipped).

    The chat must be registered first: its row is what the subscription refers to.
    """
    wanted = list(dict.fromkeys(topic_ids))
    if not wanted:
        return []
    values = {"chat_id": chat_id, "thread_id": thread_id, "topic_ids": wanted, "now": now}
    added = set((await session.scalars(_SUBSCRIBE, values)).all())
    return [topic_id for topic_id in wanted if topic_id in added]


async def unsubscribe(
    session: AsyncSession, chat_id: int, topic_ids: Sequence[int] | None, thread_id: int = 0
) -> list[int]:
    """Stop following the given topics, or all of them for None; returns the ids actually unfollowed."""
    destination = {"chat_id": chat_id, "thread_id": thread_id}
    if topic_ids is None:
        removed = set((await session.scalars(_UNSUBSCRIBE_ALL, destination)).all())
        return sorted(removed)
    if not topic_ids:
        return []
    removed = set((await session.scalars(_UNSUBSCRIBE, {**destination, "topic_ids": list(topic_ids)})).all())
    return [topic_id for topic_id in dict.fromkeys(topic_ids) if topic_id in removed]


async def toggle_subscription(
    session: AsyncSession, chat_id: int, topic_id: int, now: datetime, thread_id: int = 0
) -> tuple[bool, list[int]]:
    """Follow the topic if not followed yet, else unfollow it: True when it is followed afterwards, and
    the ids of every topic the destination follows afterwards (what a redrawn /topics page shows).

    Two statements: the destination's subscriptions, then the one change.
    """
    followed = await followed_topic_ids(session, chat_id, thread_id)
    if topic_id in followed:
        await unsubscribe(session, chat_id, [topic_id], thread_id)
        return False, [followed_id for followed_id in followed if followed_id != topic_id]
    added = await subscribe(session, chat_id, [topic_id], now, thread_id)
    return bool(added), followed + added


async def followed_topics(
    session: AsyncSession, directory: TopicDirectory, chat_id: int, thread_id: int = 0
) -> list[TopicSummary]:
    """The topics this destination follows, in name order."""
    return directory.in_order(await followed_topic_ids(session, chat_id, thread_id))
