"""Rows for storage tests, inserted directly with Core inserts: topics, articles, chats, deliveries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.topics import topic_key
from storage.db.database import Database
from storage.db.models import (
    Article,
    ArticleTopic,
    Chat,
    ChatPreferences,
    Delivery,
    Subscription,
    Topic,
    TopicAlias,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@asynccontextmanager
async def temporary_database(url: str) -> AsyncIterator[Database]:
    """The test's database (see the ``database_url`` fixture) with the full schema, search index included."""
    database = Database(url)
    await database.create_schema()
    try:
        yield database
    finally:
        await database.close()


async def add_topic(
    session: AsyncSession, name: str, *, description: str | None = None, aliases: Sequence[str] = ()
) -> int:
    topic_id: int | None = await session.scalar(
        insert(Topic).values(key=topic_key(name), name=name, description=description).returning(Topic.id)
    )
    assert topic_id is not None
    for alias in aliases:
        await session.execute(insert(TopicAlias).values(alias_key=topic_key(alias), topic_id=topic_id))
    return topic_id


async def add_article(
    session: AsyncSession,
    title: str = "An article",
    *,
    topics: Sequence[int] = (),
    published_at: datetime = NOW - HOUR,
    excerpt: str | None = "What happened, in one sentence.",
    withdrawn: bool = False,
    quality: int | None = None,
    provider: str | None = "Example News",
) -> int:
    """An article tagged with ``topics``; ``withdrawn`` takes it out of every listing."""
    slug = uuid.uuid4().hex
    article_id: int | None = await session.scalar(
        insert(Article)
        .values(
            url_key=f"example.com/{slug}",
            web_url=f"https://example.com/{slug}",
            title=title,
            excerpt=excerpt,
            quality=quality,
            provider_name=provider,
            published_at=published_at,
            body="",
            extra={},
            first_seen_at=NOW,
            updated_at=NOW,
            withdrawn_at=NOW if withdrawn else None,
        )
        .returning(Article.id)
    )
    assert article_id is not None
    for topic_id in topics:
        await session.execute(
            insert(ArticleTopic).values(
                article_id=article_id, topic_id=topic_id, label="label", published_at=published_at
            )
        )
    return article_id


async def add_chat(session: AsyncSession, chat_id: int, *, status: str = "active") -> None:
    await session.execute(
        insert(Chat).values(id=chat_id, type="private", status=status, created_at=NOW, updated_at=NOW)
    )


async def add_subscription(session: AsyncSession, chat_id: int, topic_id: int, *, thread_id: int = 0) -> None:
    await session.execute(
        insert(Subscription).values(chat_id=chat_id, thread_id=thread_id, topic_id=topic_id, created_at=NOW)
    )


async def add_preferences(session: AsyncSession, chat_id: int, *, min_quality: int = 0) -> None:
    await session.execute(insert(ChatPreferences).values(chat_id=chat_id, min_quality=min_quality))


async def add_delivery(
    session: AsyncSession,
    article_id: int,
    chat_id: int,
    *,
    status: str = "sent",
    due_at: datetime = NOW,
    sent_at: datetime | None = None,
    error: str | None = None,
    thread_id: int = 0,
) -> None:
    await session.execute(
        insert(Delivery).values(
            article_id=article_id,
            chat_id=chat_id,
            thread_id=thread_id,
            status=status,
            attempts=1,
            due_at=due_at,
            created_at=due_at,
            sent_at=sent_at,
            error=error,
        )
    )
