"""Outages waited out: retried with backoff, one line at each end, an alert past a minute, metrics."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from sqlalchemy import exc as sa_exc

from bot.ops.metrics import Metrics
from bot.ops.outages import Backoff, DatabaseOutages

FAST = Backoff(initial=0.01, cap=0.02)


def locked() -> sa_exc.OperationalError:
    return sa_exc.OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))


class Database:
    """Down until ``up`` is set; the probe fails like the real thing meanwhile."""

    def __init__(self) -> None:
        self.up = asyncio.Event()
        self.probes = 0

    async def probe(self) -> None:
        self.probes += 1
        if not self.up.is_set():
            raise locked()


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = Backoff(initial=0.5, cap=10.0)
    assert [backoff.delay(n, rng=lambda: 1.0) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.delay(3, rng=lambda: 0.0) == 2.0  # half the step at least
    assert backoff.delay(10_000, rng=lambda: 1.0) == 10.0


async def test_work_is_retried_until_the_database_is_back(caplog: pytest.LogCaptureFixture) -> None:
    database, metrics = Database(), Metrics()
    outages = DatabaseOutages("data/newsbot.db", database.probe, metrics=metrics, backoff=FAST)
    tries = 0

    async def write() -> str:
        nonlocal tries
        tries += 1
        if not database.up.is_set():
            raise locked()
        return "written"

    caplog.set_level(logging.WARNING, logger="bot.ops.outages")
    work = asyncio.create_task(outages.retry("recording sends", write))
    await asyncio.sleep(0.2)
    assert not work.done() and outages.active and tries > 3
    assert outages.cause == "locked by another process"
    database.up.set()
    assert await asyncio.wait_for(work, 1.0) == "written"
    await asyncio.sleep(0.05)
    assert not outages.active
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines  # one when it starts, one when it ends, whatever the retries
    assert "data/newsbot.db" in lines[0] and "locked by another process" in lines[0]
    assert "recording sends" in lines[0] and "available again" in lines[1]
    rendered = metrics.render().decode()
    assert "newsbot_database_outages_total 1.0" in rendered
    assert f"newsbot_database_retries_total {float(tries - 1)}" in rendered
    await outages.close()


async def test_an_error_that_is_not_an_outage_is_raised_at_once() -> None:
    database = Database()
    outages = DatabaseOutages("db", database.probe, metrics=Metrics(), backoff=FAST)

    async def broken() -> None:
        raise sa_exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: articles"))

    with pytest.raises(sa_exc.OperationalError):
        await outages.retry("a query", broken)
    assert not outages.active and database.probes == 0


async def test_a_long_outage_is_told_to_the_operators_and_so_is_its_end() -> None:
    database = Database()
    now = [0.0]
    outages = DatabaseOutages(
        "db", database.probe, metrics=Metrics(), backoff=FAST, alert_after=60.0, monotonic=lambda: now[0]
    )
    told: list[str] = []
    outages.on_alert = told.append
    assert outages.failed(locked(), "a sync")
    await asyncio.sleep(0.1)
    assert told == []  # under a minute: the log is enough
    now[0] = 61.0
    await asyncio.sleep(0.1)
    assert len(told) == 1 and "unavailable for 61 s" in told[0] and "locked by another process" in told[0]
    database.up.set()
    await asyncio.sleep(0.1)
    assert len(told) == 2 and "available again" in told[1]
    await outages.close()


async def test_a_short_outage_alerts_no_one() -> None:
    database = Database()
    outages = DatabaseOutages("db", database.probe, metrics=Metrics(), backoff=FAST, alert_after=60.0)
    told: list[str] = []
    outages.on_alert = told.append
    outages.failed(locked(), "a sync")
    database.up.set()
    await asyncio.sleep(0.1)
    assert not outages.active and told == []
    await outages.close()


async def test_waiters_resume_when_the_probe_succeeds_not_at_their_own_next_step() -> None:
    database = Database()
    database.up.set()  # back before the first probe: it succeeds 10-20 ms after the failure
    outages = DatabaseOutages("db", database.probe, metrics=Metrics(), backoff=Backoff(0.02, 30.0))
    outages.failed(locked(), "a sync")
    await asyncio.wait_for(outages.pause(10), 5.0)  # its own step would be 15-30 s
    assert not outages.active and database.probes == 1
    await outages.close()
