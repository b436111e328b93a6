"""Retention: ledger rows closed longer ago than ``RETENTION_DAYS`` are pruned, in short batches; so are
articles published and withdrawn longer ago than ``ARTICLE_RETENTION_DAYS``, when that is set.

What goes: delivery rows in a final state whose moment is before the cutoff — ``sent`` rows by
``sent_at``; ``failed``, ``cancelled`` and ``skipped`` rows (never sent) once both ``created_at`` and
``due_at`` (their last attempt, by which /stats dates a failure) are. Finished corrections go by
``finished_at``. What stays, whatever its age: pending rows (due, held for a digest or quiet hours, waiting
for a retry), every row of an article whose fan-out job is not finished, and every row of an article with
an unfinished correction (which edits or deletes messages by the ids in those rows).

Why pruning never makes anything go out again: a delivery row is created only by expanding an article's
fan-out job (storage/delivery/fanout.py), a job only in the transaction that first stores its article
(storage/catalog/sync.py), and a finished job (``expanded_at``) is never expanded again. Editing, touching,
moving or re-importing a file updates the same article, deleting it withdraws the article and a file that
comes back restores it. So once its job is finished an article's rows are history, and the article's row
with its job's is its compact "pushed" marker for as long as it is stored. Rows of an unfinished job are kept
all the same: the job's cursor already keeps expansion from going back, but nothing here relies on it.

Articles themselves are deleted only with ``ARTICLE_RETENTION_DAYS`` (``prune_articles``; which ones, and what
goes with them: storage/catalog/article_retention.py): withdrawn, published before that cutoff, their job
finished and no correction under way. A batch first deletes their closed ledger rows (by the rule above, at
that cutoff, tallied alike), then the articles the ledger holds nothing of any more; one with a pending row,
or a row sent or tried after the cutoff, waits. A deleted article leaves a hash of its URL key in
``pruned_urls``, its permanent marker from then on: a file that brings it back stores it again without a
fan-out job, so it is never pushed again. On SQLite a pass that deleted articles then merges the full-text
index, so that it forgets them too (storage/catalog/article_retention.py says why).

Each batch is one short write transaction: select up to ``limit`` prunable ids (by the indices on
``(status, sent_at)`` and ``(status, due_at)``), ``DELETE … RETURNING`` them, and add what was deleted to
``delivery_tallies`` per UTC day and status, so the totals of /stats survive. On PostgreSQL a batch holds
a transaction-scoped advisory lock: a sender that finds it taken leaves the pass to the one holding it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Insert, and_, delete, exists, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.article_retention import (
    SEARCH_MERGE_PAGES,
    delete_articles,
    merge_search_index,
    prunable_articles,
)
from storage.db.database import Database
from storage.db.models import Correction, Delivery, DeliveryTally, FanoutJob, table

# Delivery.status values (see storage.db.models.Delivery): the final ones, and those of rows never sent.
SENT = "sent"
NEVER_SENT = ("failed", "cancelled", "skipped")
# Rows per transaction: a few tens of milliseconds of SQLite's single writer, a small PostgreSQL transaction.
PRUNE_BATCH = 2_000
# Articles per transaction, each with its topics, images, related links and search entry.
ARTICLE_BATCH = 500
# PostgreSQL advisory lock held by a pruning batch; any constant all newsbot processes agree on.
RETENTION_LOCK = 0x6E657773726574  # "newsret"


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What one pass deleted; ``deferred``: another process was pruning (PostgreSQL), this pass left it."""

    deliveries: int = 0
    corrections: int = 0
    batches: int = 0
    deferred: bool = False


@dataclass(frozen=True, slots=True)
class ArticlePruneReport:
    """What one pass of article retention deleted: articles, and their ledger rows (tallied)."""

    articles: int = 0
    deliveries: int = 0
    batches: int = 0
    deferred: bool = False
    merges: int = 0  # SQLite: steps merging the full-text index afterwards


def _sent_before(cutoff: datetime) -> list[ColumnElement[bool]]:
    return [Delivery.status == SENT, Delivery.sent_at < cutoff]


def _closed_unsent_before(cutoff: datetime) -> list[ColumnElement[bool]]:
    return [Delivery.status.in_(NEVER_SENT), Delivery.due_at < cutoff, Delivery.created_at < cutoff]


def _kept_articles() -> list[ColumnElement[bool]]:
    """Articles whose rows stay whatever their age: fan-out still expanding, or a correction under way."""
    expanding = exists().where(FanoutJob.article_id == Delivery.article_id, FanoutJob.expanded_at.is_(None))
    correcting = select(Correction.article_id).where(Correction.finished_at.is_(None))
    return [~expanding, Delivery.article_id.not_in(correcting)]


async def prunable_ids(session: AsyncSession, cutoff: datetime, *, limit: int) -> list[int]:
    """Up to ``limit`` ledger rows closed before ``cutoff`` that may go: sent rows first."""
    sent = await session.scalars(
        select(Delivery.id).where(*_sent_before(cutoff), *_kept_articles()).limit(limit)
    )
    ids = list(sent)
    if len(ids) < limit:
        closed = await session.scalars(
            select(Delivery.id)
            .where(*_closed_unsent_before(cutoff), *_kept_articles())
            .limit(limit - len(ids))
        )
        ids.extend(closed)
    return ids


async def prune_batch(session: AsyncSession, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` rows closed before ``cutoff`` and tally them; returns how many went."""
    return await delete_rows(session, await prunable_ids(session, cutoff, limit=limit))


async def delete_rows(session: AsyncSession, ids: list[int]) -> int:
    """Delete these ledger rows and tally them; returns how many went."""
    if not ids:
        return 0
    deleted = await session.execute(
        delete(Delivery)
        .where(Delivery.id.in_(ids))
        .returning(Delivery.status, Delivery.sent_at, Delivery.due_at)
    )
    counts: Counter[tuple[date, str]] = Counter()
    for status, sent_at, due_at in deleted:
        moment = sent_at if status == SENT and sent_at is not None else due_at
        counts[(moment.date(), status)] += 1
    await add_tallies(session, counts)
    return sum(counts.values())


async def add_tallies(session: AsyncSession, counts: Counter[tuple[date, str]]) -> None:
    """Add pruned rows to ``delivery_tallies``, one upsert for all (days, statuses)."""
    if not counts:
        return
    rows = [{"day": day, "status": status, "count": n} for (day, status), n in sorted(counts.items())]
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(table(DeliveryTally)).values(rows)
        statement = pg.on_conflict_do_update(
            index_elements=["day", "status"], set_={"count": pg.table.c.count + pg.excluded.count}
        )
    else:
        lite = sqlite.insert(table(DeliveryTally)).values(rows)
        statement = lite.on_conflict_do_update(
            index_elements=["day", "status"], set_={"count": lite.table.c.count + lite.excluded.count}
        )
    await session.execute(statement)


async def prune_corrections(session: AsyncSession, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` corrections finished before ``cutoff``; returns how many went."""
    ids = list(
        await session.scalars(
            select(Correction.id)
            .where(Correction.finished_at.is_not(None), Correction.finished_at < cutoff)
            .limit(limit)
        )
    )
    if ids:
        await session.execute(delete(Correction).where(Correction.id.in_(ids)))
    return len(ids)


async def try_lock(session: AsyncSession) -> bool:
    """Take the pruning lock for this transaction; False while another process holds it (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: one writer at a time, and one sending process
    taken = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RETENTION_LOCK})
    return bool(taken)


async def prune(
    db: Database,
    cutoff: datetime,
    *,
    batch: int = PRUNE_BATCH,
    stopping: Callable[[], bool] = lambda: False,
) -> PruneReport:
    """One pass: batches of ledger rows, then of corrections, until nothing older than ``cutoff`` is left
    (or ``stopping()``); between batches other writers get their turn."""
    deliveries = corrections = batches = 0
    for step in (prune_batch, prune_corrections):
        while not stopping():
            async with db.write_bulk() as session:  # on SQLite, off the event loop's thread
                if not await try_lock(session):
                    return PruneReport(deliveries, corrections, batches, deferred=True)
                deleted = await step(session, cutoff, limit=batch)
            batches += 1
            if step is prune_batch:
                deliveries += deleted
            else:
                corrections += deleted
            if deleted < batch:
                break
            await asyncio.sleep(0)
    return PruneReport(deliveries, corrections, batches)


async def closed_rows_of(
    session: AsyncSession, article_ids: list[int], cutoff: datetime, *, limit: int
) -> list[int]:
    """Up to ``limit`` ledger rows of these articles closed before ``cutoff``."""
    if not article_ids:
        return []
    closed = or_(and_(*_sent_before(cutoff)), and_(*_closed_unsent_before(cutoff)))
    found = await session.scalars(
        select(Delivery.id).where(Delivery.article_id.in_(article_ids), closed).limit(limit)
    )
    return list(found)


async def prune_articles(
    db: Database,
    cutoff: datetime,
    *,
    batch: int = ARTICLE_BATCH,
    rows: int = PRUNE_BATCH,
    stopping: Callable[[], bool] = lambda: False,
) -> ArticlePruneReport:
    """One pass of article retention: batches of up to ``batch`` articles that may go (published before
    ``cutoff``), by id; each deletes up to ``rows`` of their closed ledger rows, then, once none is left to
    delete, the articles the ledger holds nothing of any more. Until none is left (or ``stopping()``)."""
    articles = deliveries = batches = 0
    after = 0  # ids start at 1
    while not stopping():
        async with db.write_bulk() as session:
            if not await try_lock(session):
                return ArticlePruneReport(articles, deliveries, batches, deferred=True)
            candidates = await prunable_articles(session, cutoff, after=after, limit=batch)
            closed = await closed_rows_of(session, candidates, cutoff, limit=rows)
            deleted = await delete_rows(session, closed)
            if deleted < rows:  # their closed rows are all gone: on to the articles (else these once more)
                articles += await delete_articles(session, candidates)
                after = candidates[-1] if candidates else after
        batches += 1
        deliveries += deleted
        if len(candidates) < batch and deleted < rows:
            break
        await asyncio.sleep(0)
    merges = await merge_search(db, stopping=stopping) if articles and db.is_sqlite else 0
    return ArticlePruneReport(articles, deliveries, batches, merges=merges)


async def merge_search(
    db: Database, *, pages: int = SEARCH_MERGE_PAGES, stopping: Callable[[], bool] = lambda: False
) -> int:
    """SQLite: merge the full-text index, a step of ``pages`` per transaction, until there is nothing left to
    merge (or ``stopping()``); returns the steps."""
    steps = 0
    more = True
    while more and not stopping():
        async with db.write_bulk() as session:
            more = await merge_search_index(session, pages=pages, first=steps == 0)
        steps += 1
        await asyncio.sleep(0)
    return steps
