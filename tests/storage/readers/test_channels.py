"""Managed channels in the store: stored from a look-up, following exactly the file's topics, released."""

from __future__ import annotations

from sqlalchemy import select

from storage.catalog.topic_directory import load_directory
from storage.db.database import Database
from storage.db.models import Chat, Delivery
from storage.readers.channels import (
    ManagedChannel,
    managed_channel,
    managed_channels,
    release_channel,
    set_channel_active,
    set_channel_topics,
    store_channel,
)
from storage.readers.subscriptions import followed_topics
from tests.storage.factories import NOW, add_article, add_delivery, add_topic

CHANNEL = -1001001


async def test_a_channel_is_stored_paused_or_active_and_found_again(db: Database) -> None:
    async with db.write() as session:
        await store_channel(session, CHANNEL, "ai_news", active=False, now=NOW, reason="not an admin")
        await store_channel(session, -1001002, None, active=True, now=NOW)
    async with db.read() as session:
        assert await managed_channels(session) == [  # by id
            ManagedChannel(-1001002, None, True),
            ManagedChannel(CHANNEL, "ai_news", False),
        ]
        row = await session.get(Chat, CHANNEL)
        assert row is not None and (row.type, row.status, row.managed) == ("channel", "blocked", True)
    assert [c.name for c in await _all(db)] == ["-1001002", "@ai_news"]
    async with db.write() as session:
        resumed = await set_channel_active(session, CHANNEL, True, NOW)
        assert await set_channel_active(session, 42, True, NOW) is None  # not a managed channel
    assert resumed == ManagedChannel(CHANNEL, "ai_news", True)


async def test_topics_follow_the_file_exactly(db: Database) -> None:
    async with db.write() as session:
        ai, space, climate = [await add_topic(session, name) for name in ("AI", "Space", "Climate")]
        await store_channel(session, CHANNEL, "ai_news", active=True, now=NOW)
        assert await set_channel_topics(session, CHANNEL, [ai, space, ai], NOW) == ([ai, space], [])
        assert await set_channel_topics(session, CHANNEL, [space, climate], NOW) == ([climate], [ai])
        assert await set_channel_topics(session, CHANNEL, [space, climate], NOW) == ([], [])
        assert [
            t.name for t in await followed_topics(session, await load_directory(session, NOW), CHANNEL)
        ] == ["Climate", "Space"]


async def test_a_released_or_paused_channel_follows_nothing_and_gets_nothing(db: Database) -> None:
    async with db.write() as session:
        ai = await add_topic(session, "AI")
        article = await add_article(session, topics=[ai])
        await store_channel(session, CHANNEL, "ai_news", active=True, now=NOW)
        await set_channel_topics(session, CHANNEL, [ai], NOW)
        await add_delivery(session, article, CHANNEL, status="pending")
        await set_channel_active(session, CHANNEL, False, NOW, "the bot is not an administrator")
    async with db.read() as session:
        statuses = (await session.execute(select(Delivery.status, Delivery.error))).all()
    assert [tuple(row) for row in statuses] == [("cancelled", "the bot is not an administrator")]
    async with db.write() as session:
        await release_channel(session, CHANNEL, NOW)
    async with db.read() as session:
        assert await managed_channel(session, CHANNEL) is None
        assert await followed_topics(session, await load_directory(session, NOW), CHANNEL) == []
        row = await session.get(Chat, CHANNEL)
        assert row is not None and row.status == "blocked" and not row.managed


async def _all(db: Database) -> list[ManagedChannel]:
    async with db.read() as session:
        return await managed_channels(session)
