"""Fan-out: a new article's job is expanded into one delivery row per destination, in idempotent batches.

Each batch is one transaction: insert the rows for the next ``batch`` chats (by id, after the job's cursor)
and move the cursor. The unique constraint on (article, chat, thread) makes a repeated batch a no-op, so a
crash between batches neither loses nor doubles rows: the next run resumes from the cursor. In the same
transaction, readers' keyword filters and schedules adjust the rows of the few destinations that have
them (``storage/delivery/routing.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Insert, and_, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import (
    Article,
    ArticleTopic,
    Chat,
    ChatPreferences,
    Delivery,
    FanoutJob,
    Subscription,
    table,
)
from storage.delivery.routing import route_batch


@dataclass(frozen=True, slots=True)
class FanoutResult:
    article_id: int
    inserted: int
    finished: bool
    skipped: str | None = None  # why nothing was pushed (withdrawn, too old)
    filtered: int = 0  # rows closed as skipped by readers' keyword filters (storage/delivery/routing.py)


def insert_ignoring_duplicates(session: AsyncSession) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table(Delivery)).on_conflict_do_nothing()
    return sqlite.insert(table(Delivery)).on_conflict_do_nothing()


async def due_jobs(session: AsyncSession, now: datetime, limit: int = 20) -> list[int]:
    """Articles whose fan-out is due and not finished, oldest publication first."""
    rows = await session.scalars(
        select(FanoutJob.article_id)
        .join(Article, Article.id == FanoutJob.article_id)
        .where(FanoutJob.expanded_at.is_(None), FanoutJob.due_at <= now)
        .order_by(Article.published_at, FanoutJob.article_id)
        .limit(limit)
    )
    return list(rows)


async def next_job_due(session: AsyncSession) -> datetime | None:
    """When the earliest unfinished job becomes due (scheduled articles)."""
    return await session.scalar(select(func.min(FanoutJob.due_at)).where(FanoutJob.expanded_at.is_(None)))


async def expand_batch(
    session: AsyncSession, article_id: int, now: datetime, *, batch: int, max_age: timedelta | None
) -> FanoutResult:
    """Expand the next ``batch`` recipient chats of one article's job; call until ``finished``.

    Several senders may expand at once: on PostgreSQL the job's row is locked ``SKIP LOCKED``, so a job
    another sender is expanding reads as finished here and that sender carries on with it.
    """
    job = await session.scalar(
        select(FanoutJob).where(FanoutJob.article_id == article_id).with_for_update(skip_locked=True)
    )
    if job is None or job.expanded_at is not None:
        return FanoutResult(article_id, 0, True)
    article = await session.get(Article, article_id)
    skipped = None
    if article is None or article.withdrawn_at is not None:
        skipped = "withdrawn"
    elif max_age is not None and article.published_at < now - max_age:
        skipped = "older than PUSH_MAX_AGE"
    if skipped is not None or article is None:
        job.expanded_at = now
        return FanoutResult(article_id, 0, True, skipped)

    topics = select(ArticleTopic.topic_id).where(ArticleTopic.article_id == article_id).scalar_subquery()
    window = (
        select(Subscription.chat_id)
        .where(Subscription.topic_id.in_(topics), Subscription.chat_id > job.cursor)
        .group_by(Subscription.chat_id)
        .order_by(Subscription.chat_id)
        .limit(batch)
        .subquery()
    )
    upper = await session.scalar(select(func.max(window.c.chat_id)))
    if upper is None:
        job.expanded_at = now
        return FanoutResult(article_id, 0, True)

    conditions = [
        Subscription.topic_id.in_(topics),
        Subscription.chat_id > job.cursor,
        Subscription.chat_id <= upper,
        Chat.status == "active",
    ]
    # The chat's share of each topic it follows (all, top half, top quarter) against the article's rank in
    # that topic (storage/catalog/quality.py); an article without a quality has no rank and passes.
    conditions.append(
        func.coalesce(ArticleTopic.quality_rank, 100) >= func.coalesce(ChatPreferences.min_quality, 0)
    )
    recipients = (
        select(
            literal(article_id),
            Subscription.chat_id,
            Subscription.thread_id,
            literal("pending"),
            literal(0),
            literal(False),
            literal(job.due_at, Delivery.due_at.type),
            literal(now, Delivery.created_at.type),
        )
        .join(Chat, Chat.id == Subscription.chat_id)
        .join(
            ArticleTopic,
            and_(ArticleTopic.article_id == article_id, ArticleTopic.topic_id == Subscription.topic_id),
        )
        .outerjoin(ChatPreferences, ChatPreferences.chat_id == Subscription.chat_id)
        .where(*conditions)
        .group_by(Subscription.chat_id, Subscription.thread_id)
    )
    columns = [
        "article_id",
        "chat_id",
        "thread_id",
        "status",
        "attempts",
        "via_digest",
        "due_at",
        "created_at",
    ]
    result = await session.execute(insert_ignoring_duplicates(session).from_select(columns, recipients))
    inserted = max(result.rowcount, 0)  # type: ignore[attr-defined]
    routed = await route_batch(session, article, job.cursor, upper, now)
    # Fewer chats than a batch means this was the last window.
    window_size = await session.scalar(select(func.count()).select_from(window))
    job.cursor = upper
    finished = (window_size or 0) < batch
    if finished:
        job.expanded_at = now
    return FanoutResult(article_id, inserted, finished, filtered=routed.filtered)


async def cancel_pending_for_article(session: AsyncSession, article_id: int, reason: str) -> int:
    result = await session.execute(
        update(Delivery)
        .where(Delivery.article_id == article_id, Delivery.status == "pending")
        .values(status="cancelled", error=reason)
    )
    return max(int(result.rowcount), 0)  # type: ignore[attr-defined]
