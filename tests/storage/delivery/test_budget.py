"""The send budget's rows (storage/delivery/budget.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from storage.db.database import Database
from storage.db.models import SendBudgetShare
from storage.delivery.budget import BudgetRow, participants, publish, withdraw
from tests.storage.factories import NOW

FRESH = timedelta(seconds=3)


def row(process_id: str, *, seconds: float = 0, pushing: bool = True) -> BudgetRow:
    return BudgetRow(process_id, "sender", pushing, 2.5, None, NOW + timedelta(seconds=seconds))


async def test_each_process_writes_its_own_row_and_reads_the_fresh_ones(db: Database) -> None:
    async with db.write() as session:
        await publish(session, row("a"))
        await publish(session, row("b"))
        await publish(
            session, replace(row("a", seconds=1), pushing=False, paused_until=NOW + timedelta(seconds=9))
        )
    async with db.write() as session:
        rows = await participants(session, NOW + timedelta(seconds=2), FRESH)
    assert [(r.process_id, r.pushing, r.paused_until) for r in rows] == [
        ("a", False, NOW + timedelta(seconds=9)),
        ("b", True, None),
    ]


async def test_a_silent_process_drops_out_and_a_stopped_one_leaves_at_once(db: Database) -> None:
    async with db.write() as session:
        await publish(session, row("old"))
        await publish(session, row("live", seconds=5))
        await publish(session, row("leaving", seconds=5))
        await withdraw(session, "leaving")
    async with db.write() as session:
        assert [r.process_id for r in await participants(session, NOW + timedelta(seconds=5), FRESH)] == [
            "live"
        ]
        # Rows silent for ten times the freshness are removed, not only skipped.
        await participants(session, NOW + timedelta(seconds=34), FRESH)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(SendBudgetShare)) == 1
