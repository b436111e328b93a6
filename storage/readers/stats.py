"""The operator's figures (``/stats``): chats, subscriptions, articles and deliveries.

Ledger rows older than ``RETENTION_DAYS`` are pruned (storage/delivery/retention.py) and counted in
``delivery_tallies``: totals add those counts; today's figures never need them (the retention is a day
at least, so today's rows are all still in the ledger).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Article, Chat, Delivery, DeliveryTally, Subscription, Topic
from storage.readers.chats import ACTIVE, BLOCKED
from storage.records import BotStats

# Delivery.status values (see storage.db.models.Delivery).
SENT = "sent"
FAILED = "failed"


async def bot_stats(session: AsyncSession, since: datetime) -> BotStats:
    """Counts now, and deliveries since ``since`` (the start of the operator's day)."""
    chats = await session.execute(select(Chat.status, func.count()).group_by(Chat.status))
    by_status = dict(chats.all())

    per_topic = await session.execute(
        select(Topic.name, func.count())
        .join(Subscription, Subscription.topic_id == Topic.id)
        .group_by(Topic.id, Topic.name, Topic.key)
        .order_by(func.count().desc(), Topic.key)
    )
    articles_live = await session.scalar(
        select(func.count()).select_from(Article).where(Article.withdrawn_at.is_(None))
    )
    sent_today = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == SENT, Delivery.sent_at >= since)
    )
    # A delivery records no failure time; its due_at is when its last attempt was scheduled to run.
    failed_today = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == FAILED, Delivery.due_at >= since)
    )
    failed_total = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == FAILED)
    )
    failed_pruned = await session.scalar(
        select(func.sum(DeliveryTally.count)).where(DeliveryTally.status == FAILED)
    )
    last_failure = await session.scalar(
        select(Delivery.error)
        .where(Delivery.status == FAILED)
        .order_by(Delivery.due_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    return BotStats(
        chats_active=by_status.get(ACTIVE, 0),
        chats_blocked=by_status.get(BLOCKED, 0),
        subscriptions_by_topic=tuple((name, count) for name, count in per_topic),
        articles_live=articles_live or 0,
        deliveries_today=sent_today or 0,
        failures_today=failed_today or 0,
        failures_total=(failed_total or 0) + int(failed_pruned or 0),  # SUM is NUMERIC on PostgreSQL
        last_failure=last_failure,
    )
