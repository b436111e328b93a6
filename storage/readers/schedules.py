"""A chat's time settings (time zone, quiet hours, daily digest) and the pushes they hold back.

Held pushes are delivery rows with ``mode = 'digest'``: they wait (``due_at``) for the digest they belong
to. When a reader changes the settings, the held rows are re-timed at once, so turning the digest off
or ending quiet hours sends what waits now, and a new digest hour moves them to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import ArticleTopic, ChatPreferences, Delivery, Subscription, Topic
from storage.readers.localtime import QUIET_MODES, Schedule

FIELDS = ("timezone", "quiet_start", "quiet_end", "quiet_mode", "digest_at")
_COLUMNS = (
    ChatPreferences.timezone,
    ChatPreferences.quiet_start,
    ChatPreferences.quiet_end,
    ChatPreferences.quiet_mode,
    ChatPreferences.digest_at,
)


def schedule_of(row: Any) -> Schedule:
    """A ``Schedule`` from the five columns in ``FIELDS`` order (an outer join may give all None)."""
    timezone, quiet_start, quiet_end, quiet_mode, digest_at = row
    return Schedule(timezone, quiet_start, quiet_end, quiet_mode or "digest", digest_at)


async def get_schedule(session: AsyncSession, chat_id: int) -> Schedule:
    row = (await session.execute(select(*_COLUMNS).where(ChatPreferences.chat_id == chat_id))).one_or_none()
    return Schedule() if row is None else schedule_of(row)


async def update_schedule(session: AsyncSession, chat_id: int, now: datetime, **changes: Any) -> Schedule:
    """Change some of ``FIELDS`` (values already parsed), re-time the chat's held pushes, return all.

    The chat must be registered first. ValueError for an unknown field or an impossible value.
    """
    unknown = changes.keys() - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown schedule field(s): {', '.join(sorted(unknown))}")
    if changes.get("quiet_mode", "digest") not in QUIET_MODES:
        raise ValueError(f"quiet_mode must be one of {QUIET_MODES}, got {changes['quiet_mode']!r}")
    for name in ("quiet_start", "quiet_end", "digest_at"):
        value = changes.get(name)
        if value is not None and not (isinstance(value, int) and 0 <= value < 24 * 60):
            raise ValueError(f"{name} must be minutes after midnight, got {value!r}")
    exists = await session.scalar(select(ChatPreferences.chat_id).where(ChatPreferences.chat_id == chat_id))
    if exists is None:
        await session.execute(insert(ChatPreferences).values(chat_id=chat_id, **changes))
    elif changes:
        await session.execute(
            update(ChatPreferences).where(ChatPreferences.chat_id == chat_id).values(**changes)
        )
    schedule = await get_schedule(session, chat_id)
    await retime_held(session, chat_id, schedule, now)
    return schedule


async def retime_held(session: AsyncSession, chat_id: int, schedule: Schedule, now: datetime) -> None:
    """Move the chat's held pushes to the digest the schedule now says they belong to (or to now)."""
    due_at = schedule.hold_until(now) or now
    await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == chat_id, Delivery.status == "pending", Delivery.mode == "digest")
        .values(due_at=due_at)
    )


async def schedules_between(session: AsyncSession, after: int, upto: int) -> dict[int, Schedule]:
    """The chats ``after < id <= upto`` (a fan-out batch) whose schedule may hold pushes: a daily digest,
    or quiet hours in digest mode. A range read of the primary key."""
    rows = await session.execute(
        select(ChatPreferences.chat_id, *_COLUMNS).where(
            ChatPreferences.chat_id > after,
            ChatPreferences.chat_id <= upto,
            or_(
                ChatPreferences.digest_at.is_not(None),
                and_(ChatPreferences.quiet_start.is_not(None), ChatPreferences.quiet_mode == "digest"),
            ),
        )
    )
    return {row[0]: schedule_of(row[1:]) for row in rows}


async def digest_headings(session: AsyncSession, delivery_ids: Sequence[int]) -> dict[int, str] | None:
    """For a digest that includes held rows: the topic each article is listed under (the first, by name,
    of its topics the destination follows); None when no row was held (a burst, listed without topics)."""
    if not delivery_ids:
        return None
    held = await session.scalar(
        select(func.count()).where(Delivery.id.in_(delivery_ids), Delivery.mode == "digest")
    )
    if not held:
        return None
    rows = await session.execute(
        select(Delivery.article_id, Topic.name)
        .join(ArticleTopic, ArticleTopic.article_id == Delivery.article_id)
        .join(Topic, Topic.id == ArticleTopic.topic_id)
        .join(
            Subscription,
            and_(
                Subscription.chat_id == Delivery.chat_id,
                Subscription.thread_id == Delivery.thread_id,
                Subscription.topic_id == ArticleTopic.topic_id,
            ),
        )
        .where(Delivery.id.in_(delivery_ids))
        .order_by(Topic.key)
    )
    headings: dict[int, str] = {}
    for article_id, name in rows:
        headings.setdefault(article_id, name)
    return headings
