"""Retention: which ledger rows a pass prunes, in batches, tallied once each, and what /stats still counts;
the same for the rows an article pass deletes with their articles (which articles: tests/storage/catalog/)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.database import Database
from storage.db.models import Article, Correction, Delivery, DeliveryTally, FanoutJob, PrunedUrl
from storage.delivery.retention import ArticlePruneReport, prune, prune_articles, try_lock
from storage.readers.stats import bot_stats
from tests.storage.factories import HOUR, NOW, add_article, add_chat, add_topic

CUTOFF = NOW - timedelta(days=30)
OLD = CUTOFF - HOUR
RECENT = CUTOFF + HOUR


async def add_job(session: AsyncSession, article_id: int, *, finished: bool = True) -> None:
    await session.execute(
        insert(FanoutJob).values(
            article_id=article_id, created_at=OLD, due_at=OLD, expanded_at=OLD if finished else None
        )
    )


async def add_row(
    session: AsyncSession,
    article_id: int,
    chat_id: int,
    status: str,
    *,
    created: datetime = OLD,
    due: datetime | None = None,
    sent: datetime | None = None,
    mode: str = "push",
) -> None:
    await session.execute(
        insert(Delivery).values(
            article_id=article_id,
            chat_id=chat_id,
            thread_id=0,
            status=status,
            attempts=1,
            created_at=created,
            due_at=due or created,
            sent_at=sent,
            message_id=100 + chat_id if sent else None,
            mode=mode,
        )
    )


async def add_correction(session: AsyncSession, article_id: int, *, finished: datetime | None) -> None:
    await session.execute(
        insert(Correction).values(
            article_id=article_id, action="edit", created_at=OLD - HOUR, cursor=0, finished_at=finished
        )
    )


async def ledger(db: Database) -> set[tuple[int, int, str]]:
    async with db.read() as session:
        rows = await session.execute(select(Delivery.article_id, Delivery.chat_id, Delivery.status))
        return {(article, chat, status) for article, chat, status in rows}


async def tallies(db: Database) -> dict[tuple[date, str], int]:
    async with db.read() as session:
        rows = await session.execute(select(DeliveryTally.day, DeliveryTally.status, DeliveryTally.count))
        return {(day, status): count for day, status, count in rows}


async def articles_and_chats(session: AsyncSession, chats: int, articles: int = 1) -> list[int]:
    topic = await add_topic(session, "AI")
    for chat_id in range(1, chats + 1):
        await add_chat(session, chat_id)
    return [await add_article(session, topics=[topic]) for _ in range(articles)]


async def test_a_pass_prunes_exactly_the_closed_rows_older_than_the_cutoff(db: Database) -> None:
    async with db.write() as session:
        pushed, expanding, correcting, corrected = await articles_and_chats(session, 9, articles=4)
        for article in (pushed, correcting, corrected):
            await add_job(session, article)
        await add_job(session, expanding, finished=False)
        await add_correction(session, correcting, finished=None)
        await add_correction(session, corrected, finished=OLD)
        await add_row(session, pushed, 1, "sent", sent=OLD)  # goes
        await add_row(session, pushed, 2, "sent", sent=RECENT)
        await add_row(session, pushed, 3, "pending")  # an old backlog still goes out
        await add_row(session, pushed, 4, "pending", due=NOW + HOUR, mode="digest")  # a digest not sent yet
        await add_row(session, pushed, 5, "failed")  # goes
        await add_row(session, pushed, 6, "cancelled")  # goes
        await add_row(session, pushed, 7, "skipped")  # goes
        await add_row(session, pushed, 8, "failed", due=RECENT)  # its last attempt is recent
        await add_row(session, pushed, 9, "sent", sent=RECENT)  # created long ago, sent late
        await add_row(session, expanding, 1, "sent", sent=OLD)  # its fan-out job is not finished
        await add_row(session, correcting, 1, "sent", sent=OLD)  # a correction is editing its messages
        await add_row(session, corrected, 1, "sent", sent=OLD)  # goes: the correction is over

    report = await prune(db, CUTOFF)

    assert (report.deliveries, report.deferred) == (5, False)
    assert await ledger(db) == {
        (pushed, 2, "sent"),
        (pushed, 3, "pending"),
        (pushed, 4, "pending"),
        (pushed, 8, "failed"),
        (pushed, 9, "sent"),
        (expanding, 1, "sent"),
        (correcting, 1, "sent"),
    }
    day = OLD.date()
    assert await tallies(db) == {
        (day, "sent"): 2,
        (day, "failed"): 1,
        (day, "cancelled"): 1,
        (day, "skipped"): 1,
    }


async def test_a_pass_goes_in_batches_and_tallies_each_row_once(db: Database) -> None:
    async with db.write() as session:
        (article,) = await articles_and_chats(session, 25)
        await add_job(session, article)
        for chat_id in range(1, 26):
            sent = OLD - timedelta(days=chat_id % 2)  # two days
            await add_row(session, article, chat_id, "sent", created=sent, sent=sent)

    report = await prune(db, CUTOFF, batch=10)

    # Three batches of rows (10, 10, 5), then one of corrections (none).
    assert (report.deliveries, report.corrections, report.batches) == (25, 0, 4)
    assert await ledger(db) == set()
    expected = {(OLD.date(), "sent"): 12, ((OLD - timedelta(days=1)).date(), "sent"): 13}
    assert await tallies(db) == expected

    again = await prune(db, CUTOFF, batch=10)
    assert (again.deliveries, again.batches) == (0, 2)
    assert await tallies(db) == expected

    async with db.write() as session:
        for chat_id in (1, 2):  # more rows of a day already tallied: the counts add up
            await add_row(session, article, chat_id, "failed")
            await add_row(session, article, chat_id + 2, "sent", sent=OLD)
    await prune(db, CUTOFF, batch=10)
    assert await tallies(db) == {**expected, (OLD.date(), "sent"): 14, (OLD.date(), "failed"): 2}


async def test_a_pass_stops_between_batches_when_asked(db: Database) -> None:
    async with db.write() as session:
        (article,) = await articles_and_chats(session, 5)
        await add_job(session, article)
        for chat_id in range(1, 6):
            await add_row(session, article, chat_id, "sent", sent=OLD)
    calls = 0

    def stopping() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    report = await prune(db, CUTOFF, batch=2, stopping=stopping)
    assert (report.deliveries, report.batches) == (2, 1)
    assert len(await ledger(db)) == 3


async def test_finished_corrections_older_than_the_cutoff_go(db: Database) -> None:
    async with db.write() as session:
        (article,) = await articles_and_chats(session, 1)
        await add_correction(session, article, finished=OLD)
        await add_correction(session, article, finished=RECENT)
        await add_correction(session, article, finished=None)

    report = await prune(db, CUTOFF)

    assert report.corrections == 1
    async with db.read() as session:
        left = await session.execute(select(Correction.finished_at).order_by(Correction.id))
        assert list(left.scalars()) == [RECENT, None]


async def test_two_passes_at_once_delete_and_count_each_row_once(db: Database) -> None:
    rows = 60
    async with db.write() as session:
        (article,) = await articles_and_chats(session, rows)
        await add_job(session, article)
        for chat_id in range(1, rows + 1):
            await add_row(session, article, chat_id, "sent", sent=OLD)
    other = Database(db.url)  # another sending process
    try:
        first, second = await asyncio.gather(prune(db, CUTOFF, batch=7), prune(other, CUTOFF, batch=7))
    finally:
        await other.close()

    assert first.deliveries + second.deliveries == rows
    assert await ledger(db) == set()
    assert await tallies(db) == {(OLD.date(), "sent"): rows}


async def test_on_postgresql_one_pruning_transaction_at_a_time(db: Database, on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("SQLite has one writer at a time: no lock to take")
    other = Database(db.url)
    try:
        async with db.write() as holder:
            assert await try_lock(holder)
            async with other.write() as contender:
                assert not await try_lock(contender)
        async with other.write() as contender:
            assert await try_lock(contender)
    finally:
        await other.close()


async def test_stats_still_count_failures_once_their_rows_are_pruned(db: Database) -> None:
    async with db.write() as session:
        (article,) = await articles_and_chats(session, 3)
        await add_job(session, article)
        await add_row(session, article, 1, "failed")
        await add_row(session, article, 2, "failed", created=NOW, due=NOW)
        await add_row(session, article, 3, "sent", created=NOW, sent=NOW)
    midnight = NOW.replace(hour=0)
    async with db.read() as session:
        before = await bot_stats(session, midnight)

    await prune(db, CUTOFF)

    async with db.read() as session:
        after = await bot_stats(session, midnight)
        left = await session.scalar(select(func.count()).select_from(Delivery))
    assert left == 2
    assert (after.failures_total, after.failures_today, after.deliveries_today) == (2, 1, 1)
    assert after == before


async def withdrawn_articles(session: AsyncSession, chats: int, articles: int) -> list[int]:
    """Articles published and withdrawn before the cutoff, pushed (their jobs finished), and ``chats`` chats."""
    topic = await add_topic(session, "AI")
    for chat_id in range(1, chats + 1):
        await add_chat(session, chat_id)
    ids = [
        await add_article(session, topics=[topic], published_at=OLD, withdrawn=True) for _ in range(articles)
    ]
    for article in ids:
        await add_job(session, article)
    return ids


async def test_an_article_pass_deletes_the_ledger_rows_first_in_batches_and_tallies_them(
    db: Database,
) -> None:
    async with db.write() as session:
        first, second = await withdrawn_articles(session, 5, 2)
        for chat_id in range(1, 6):
            await add_row(session, first, chat_id, "sent", sent=OLD)
            await add_row(session, second, chat_id, "failed" if chat_id <= 3 else "sent", sent=OLD)

    report = await prune_articles(db, CUTOFF, batch=1, rows=2)

    # Per article: rows 2, 2, then the last one and the article; then an empty batch.
    assert (report.articles, report.deliveries, report.batches, report.deferred) == (2, 10, 7, False)
    assert await ledger(db) == set()
    assert await tallies(db) == {(OLD.date(), "sent"): 7, (OLD.date(), "failed"): 3}
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 0
        assert await session.scalar(select(func.count()).select_from(PrunedUrl)) == 2


async def test_an_article_that_must_wait_does_not_hold_up_the_next_ones(db: Database) -> None:
    async with db.write() as session:
        waiting, _, _ = await withdrawn_articles(session, 1, 3)
        await add_row(session, waiting, 1, "pending")
    batches = 0

    def stopping() -> bool:  # a pass that went round in circles would stop here, having deleted nothing
        nonlocal batches
        batches += 1
        return batches > 10

    report = await prune_articles(db, CUTOFF, batch=1, stopping=stopping)

    assert (report.articles, report.batches) == (2, 4)
    async with db.read() as session:
        assert list(await session.scalars(select(Article.id))) == [waiting]


async def test_stats_are_the_same_after_an_article_pass(db: Database) -> None:
    async with db.write() as session:
        (gone,) = await withdrawn_articles(session, 3, 1)
        live = await add_article(session)
        await add_job(session, live)
        await add_row(session, gone, 1, "failed")
        await add_row(session, gone, 2, "sent", sent=OLD)
        await add_row(session, live, 1, "failed", created=NOW, due=NOW)
        await add_row(session, live, 3, "sent", created=NOW, sent=NOW)
    midnight = NOW.replace(hour=0)
    async with db.read() as session:
        before = await bot_stats(session, midnight)

    report = await prune_articles(db, CUTOFF)

    assert (report.articles, report.deliveries) == (1, 2)
    async with db.read() as session:
        after = await bot_stats(session, midnight)
    assert await ledger(db) == {(live, 1, "failed"), (live, 3, "sent")}
    assert (after.failures_total, after.failures_today, after.deliveries_today) == (2, 1, 1)
    assert after == before


async def test_two_article_passes_at_once_delete_and_count_each_article_once(db: Database) -> None:
    async with db.write() as session:
        articles = await withdrawn_articles(session, 3, 12)
        for article in articles:
            for chat_id in (1, 2, 3):
                await add_row(session, article, chat_id, "sent", sent=OLD)
    other = Database(db.url)  # another sending process
    try:
        first, second = await asyncio.gather(
            prune_articles(db, CUTOFF, batch=2, rows=4), prune_articles(other, CUTOFF, batch=2, rows=4)
        )
    finally:
        await other.close()

    assert (first.articles + second.articles, first.deliveries + second.deliveries) == (12, 36)
    assert await ledger(db) == set()
    assert await tallies(db) == {(OLD.date(), "sent"): 36}
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(PrunedUrl)) == 12


async def test_on_postgresql_an_article_pass_leaves_a_held_lock_to_its_holder(
    db: Database, on_postgresql: bool
) -> None:
    if not on_postgresql:
        pytest.skip("SQLite has one writer at a time: no lock to take")
    async with db.write() as session:
        await withdrawn_articles(session, 0, 1)
    other = Database(db.url)
    try:
        async with other.write() as holder:
            assert await try_lock(holder)
            assert await prune_articles(db, CUTOFF) == ArticlePruneReport(deferred=True)
        assert (await prune_articles(db, CUTOFF)).articles == 1
    finally:
        await other.close()
