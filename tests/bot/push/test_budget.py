"""Sharing Telegram's rate between the processes of a deployment (bot/push/budget.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.push.budget import IDLE_PUSHES, REPLY_FLOOR, SharedBudget, share_of
from bot.telegram.pacing import Pacer, PacingLimits
from storage.db.database import Database
from storage.delivery.budget import BudgetRow

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
NOBODY: frozenset[str] = frozenset()


def row(process_id: str, role: str = "sender", *, pushing: bool = True, replies: float = 0.0) -> BudgetRow:
    return BudgetRow(process_id, role, pushing, replies, None, NOW)


def total(rows: list[BudgetRow], budget: float = 30, cap: float | None = None) -> float:
    return sum(share_of(r.process_id, rows, budget, cap, warming=NOBODY).sends for r in rows)


def test_a_lone_process_owns_the_whole_budget() -> None:
    assert share_of("a", [row("a", "all", pushing=False)], 30, None, warming=NOBODY).sends == 30


def test_three_pushing_senders_split_it_and_an_idle_one_gives_its_part_to_the_others() -> None:
    senders = [row("a"), row("b"), row("c")]
    assert [share_of(r.process_id, senders, 30, None, warming=NOBODY).sends for r in senders] == [10, 10, 10]
    senders[2] = row("c", pushing=False)
    shares = [share_of(r.process_id, senders, 30, None, warming=NOBODY).sends for r in senders]
    assert shares == [(30 - IDLE_PUSHES) / 2, (30 - IDLE_PUSHES) / 2, IDLE_PUSHES]
    assert total(senders) == 30


def test_replies_keep_what_they_need_and_pushes_get_the_rest() -> None:
    rows = [row("updates", "updates", pushing=False, replies=6.0), row("a"), row("b")]
    updates = share_of("updates", rows, 30, None, warming=NOBODY)
    assert updates.sends == 9.0  # 1.5 × its 6 replies a second
    assert share_of("a", rows, 30, None, warming=NOBODY).sends == pytest.approx(10.5)
    quiet = [row("updates", "updates", pushing=False), row("a")]
    assert share_of("updates", quiet, 30, None, warming=NOBODY).sends == REPLY_FLOOR
    assert total(rows) == pytest.approx(30)


def test_with_nobody_pushing_the_budget_goes_to_the_processes_that_answer_readers() -> None:
    rows = [row("updates", "updates", pushing=False, replies=1.0), row("a", pushing=False)]
    assert share_of("updates", rows, 30, None, warming=NOBODY).sends == 30 - IDLE_PUSHES
    assert share_of("a", rows, 30, None, warming=NOBODY).sends == IDLE_PUSHES


def test_a_sender_that_starts_pushing_waits_one_beat_for_the_others_to_make_room() -> None:
    rows = [row("a"), row("b")]
    assert share_of("b", rows, 30, None, warming=frozenset({"b"})).sends == IDLE_PUSHES
    assert share_of("a", rows, 30, None, warming=frozenset({"b"})).sends == 30 - IDLE_PUSHES


def test_push_rate_caps_the_pushes_of_the_whole_deployment() -> None:
    rows = [row("a"), row("b")]
    assert share_of("a", rows, 30, 20, warming=NOBODY).pushes == 10
    assert share_of("a", [row("a")], 30, 20, warming=NOBODY).pushes == 20


class WallClock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def test_beats_share_the_rate_and_a_429_pauses_the_other_process(database_url: str) -> None:
    db = Database(database_url)
    await db.create_schema()
    clock = WallClock()
    pacers = [Pacer(PacingLimits(global_per_second=30)) for _ in range(2)]
    budgets = [
        SharedBudget(db, pacer, process_id=name, role="sender", push_cap=None, clock=clock)
        for name, pacer in zip(("a", "b"), pacers, strict=True)
    ]
    try:
        for _ in range(2):  # a's first beat finds it alone
            for budget in budgets:
                await budget.beat()
        assert [pacer.rate for pacer in pacers] == [IDLE_PUSHES, IDLE_PUSHES]  # nothing to push yet
        pacers[0]._pushes_waiting = 1  # a has pushes waiting for their slots
        for _ in range(2):  # the first beat that says so only announces it
            clock.now += timedelta(seconds=1)
            for budget in budgets:
                await budget.beat()
        assert pacers[0].rate == 30 - IDLE_PUSHES
        pacers[0].rate_limited(5.0)
        await budgets[0].beat()
        await budgets[1].beat()
        assert pacers[1].delay(7) > 4  # b waits out a's 429 too
        await budgets[0].stop()
        clock.now += timedelta(seconds=1)
        await budgets[1].beat()
        assert pacers[1].rate == 30  # alone now
    finally:
        await budgets[1].stop()
        await db.close()
