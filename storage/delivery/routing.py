"""Readers' rules on a fan-out batch and at the last check: keyword filters and held pushes.

Fan-out inserts a batch's rows in one set-based statement for everyone (``storage/delivery/fanout.py``); then,
in the same transaction, the rows of the few destinations with filters or a schedule that holds pushes
are adjusted here. A destination without either costs two empty range reads per batch and nothing more:

- an article a destination's filters hold back keeps its row, closed as ``skipped`` with the reason, so
  the ledger says why nothing was sent (and a repeated batch still inserts nothing);
- a push that falls in quiet hours (digest mode), or any push of a chat with a daily digest, becomes a
  held row: ``mode = 'digest'``, due when that digest is (``Schedule.hold_until``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Article, ChatFilter, Delivery, table
from storage.readers.filters import filters_between
from storage.readers.keywords import KeywordFilter
from storage.readers.schedules import schedules_between

# Run before every group of pushes: built once (an immutable statement; the ids an expanding parameter).
FILTER_TERMS = (
    select(Delivery.id, ChatFilter.kind, ChatFilter.term)
    .join(
        ChatFilter, and_(ChatFilter.chat_id == Delivery.chat_id, ChatFilter.thread_id == Delivery.thread_id)
    )
    .where(Delivery.id.in_(bindparam("delivery_ids", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class Routed:
    filtered: int = 0
    held: int = 0


async def route_batch(
    session: AsyncSession, article: Article, after: int, upto: int, now: datetime
) -> Routed:
    """Apply filters and schedules to the pending rows of ``article`` in chats ``after < id <= upto``."""
    filters = await filters_between(session, after, upto)
    schedules = await schedules_between(session, after, upto)
    chats = {chat_id for chat_id, _ in filters} | schedules.keys()
    if not chats:
        return Routed()
    rows = await session.execute(
        select(Delivery.id, Delivery.chat_id, Delivery.thread_id).where(
            Delivery.article_id == article.id, Delivery.chat_id.in_(chats), Delivery.status == "pending"
        )
    )
    skipped: list[dict[str, object]] = []
    held: list[dict[str, object]] = []
    for delivery_id, chat_id, thread_id in rows:
        keywords = filters.get((chat_id, thread_id))
        reason = keywords.verdict(article.title, article.excerpt) if keywords else None
        if reason is not None:
            skipped.append({"row": delivery_id, "reason": reason})
            continue
        schedule = schedules.get(chat_id)
        hold_until = schedule.hold_until(now) if schedule else None
        if hold_until is not None:
            held.append({"row": delivery_id, "until": hold_until})
    deliveries = table(Delivery)
    if skipped:
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id == bindparam("row"))
            .values(status="skipped", error=bindparam("reason")),
            skipped,
        )
    if held:
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id == bindparam("row"))
            .values(mode="digest", due_at=bindparam("until", type_=deliveries.c.due_at.type)),
            held,
        )
    return Routed(filtered=len(skipped), held=len(held))


async def filtered_out(session: AsyncSession, delivery_ids: Sequence[int]) -> set[int]:
    """The rows whose destination's filters now hold their article back (the last check before a send:
    a filter added while a push waited, for a digest, say). One join that is empty for destinations
    without filters; only rows that have filters read their article's text."""
    if not delivery_ids:
        return set()
    terms = await session.execute(FILTER_TERMS, {"delivery_ids": list(delivery_ids)})
    pairs: dict[int, list[tuple[str, str]]] = {}
    for delivery_id, kind, term in terms:
        pairs.setdefault(delivery_id, []).append((kind, term))
    if not pairs:
        return set()
    texts = await session.execute(
        select(Delivery.id, Article.title, Article.excerpt)
        .join(Article, Article.id == Delivery.article_id)
        .where(Delivery.id.in_(pairs))
    )
    return {
        delivery_id
        for delivery_id, title, excerpt in texts
        if KeywordFilter.of(pairs[delivery_id]).verdict(title, excerpt) is not None
    }
