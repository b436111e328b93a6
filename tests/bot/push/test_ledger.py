"""A send Telegram accepted is recorded even when the database is locked at that very moment."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ops.metrics import Metrics
from bot.ops.outages import Backoff, DatabaseOutages
from bot.push.ledger import SentLedger
from storage.db.database import Database
from storage.db.models import Delivery
from tests.storage.factories import add_article, add_chat, add_delivery


async def one_pending_push(path: Path) -> tuple[Database, int]:
    """A SQLite database whose writes give up on a lock after 20 ms, with one push pending."""
    db = Database(f"sqlite:///{path}", busy_timeout_ms=20)
    await db.create_schema()
    async with db.write() as session:
        article = await add_article(session)
        await add_chat(session, 1)
        await add_delivery(session, article, 1, status="pending")
        row = await session.scalar(select(Delivery.id))
    assert row is not None
    return db, row


@pytest.mark.sqlite_only
async def test_a_send_accepted_while_the_database_is_locked_is_written_once_it_is_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    db, row = await one_pending_push(path)
    outages = DatabaseOutages(db.label, db.probe, metrics=Metrics(), backoff=Backoff(0.01, 0.05))
    ledger = SentLedger(db, lambda: datetime.now(UTC), outages)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # taken right after Telegram said ok
    recording = asyncio.create_task(ledger.record(row, 777, "text"))
    await asyncio.sleep(0.5)
    assert not recording.done(), "the sender must stay busy until its row is written"
    assert outages.active and outages.cause == "locked by another process"
    holder.execute("ROLLBACK")
    holder.close()
    await asyncio.wait_for(recording, 5.0)
    async with db.read() as session:
        status, message_id = (
            await session.execute(select(Delivery.status, Delivery.message_id).where(Delivery.id == row))
        ).one()
    assert (status, message_id) == ("sent", 777)
    await asyncio.sleep(0.2)
    assert not outages.active
    await outages.close()
    await db.close()


@pytest.mark.sqlite_only
async def test_without_outage_handling_the_failure_reaches_the_sender(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    db, row = await one_pending_push(path)
    ledger = SentLedger(db, lambda: datetime.now(UTC))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception, match="database is locked"):
            await ledger.record(row, 777, "text")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await db.close()
