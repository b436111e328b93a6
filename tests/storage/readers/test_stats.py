"""The operator's figures: chats by status, subscriptions per topic, live articles, deliveries."""

from __future__ import annotations

from storage.db.database import Database
from storage.readers.stats import bot_stats
from storage.records import BotStats
from tests.storage.factories import (
    HOUR,
    NOW,
    add_article,
    add_chat,
    add_delivery,
    add_subscription,
    add_topic,
)

MIDNIGHT = NOW.replace(hour=0)


async def test_stats_of_an_empty_store(db: Database) -> None:
    async with db.read() as session:
        stats = await bot_stats(session, MIDNIGHT)
    assert stats == BotStats(0, 0, (), 0, 0, 0, 0, None)


async def test_stats_count_chats_subscriptions_articles_and_deliveries(db: Database) -> None:
    async with db.write() as session:
        ai, space, climate, _unfollowed = [
            await add_topic(session, name) for name in ("AI", "Space", "climate", "Unfollowed")
        ]
        for chat_id in (1, 2, 3):
            await add_chat(session, chat_id)
        await add_chat(session, 4, status="blocked")
        for chat_id in (1, 2, 3):
            await add_subscription(session, chat_id, space)
        await add_subscription(session, 1, ai)
        await add_subscription(session, 2, ai, thread_id=7)
        await add_subscription(session, 4, climate)
        article = await add_article(session, topics=[ai])
        other = await add_article(session, topics=[space])
        await add_article(session, published_at=NOW + HOUR)  # scheduled, but live
        await add_article(session, withdrawn=True)
        yesterday = MIDNIGHT - HOUR
        await add_delivery(session, article, 1, due_at=yesterday, sent_at=yesterday)
        await add_delivery(session, article, 2, due_at=yesterday, sent_at=MIDNIGHT + HOUR)  # sent late
        await add_delivery(session, other, 1, due_at=NOW, sent_at=NOW)
        await add_delivery(session, other, 2, status="pending", due_at=NOW)
        await add_delivery(session, article, 3, status="failed", due_at=yesterday, error="Forbidden: old")
        await add_delivery(session, other, 3, status="failed", due_at=NOW - HOUR, error="Bad Request: newest")
        await add_delivery(
            session, other, 4, status="failed", due_at=MIDNIGHT + HOUR, error="Forbidden: blocked"
        )
    async with db.read() as session:
        stats = await bot_stats(session, MIDNIGHT)
    assert stats == BotStats(
        chats_active=3,
        chats_blocked=1,
        subscriptions_by_topic=(("Space", 3), ("AI", 2), ("climate", 1)),
        articles_live=3,
        deliveries_today=2,
        failures_today=2,
        failures_total=3,
        last_failure="Bad Request: newest",
    )
