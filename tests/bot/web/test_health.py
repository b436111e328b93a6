"""``/healthz``: 200 when the bot can work, 503 for each thing that stops it, never for a quiet day."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import exc as sa_exc

from bot.ops.metrics import Metrics
from bot.ops.outages import Backoff, DatabaseOutages
from bot.web import DeliveryStatus, HealthProbe, check_health, health_from_runtime
from storage.db.database import Database
from tests.bot.web.conftest import always_up, serving, web_app
from tests.storage.factories import add_article, add_chat, add_delivery, temporary_database

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LONG_AGO = NOW - timedelta(days=1)


async def always_down() -> bool:
    return False


async def unreachable() -> bool:
    raise ConnectionRefusedError("connection refused")


async def hangs() -> bool:
    await asyncio.Event().wait()
    return True


def deliveries(
    pending: int = 0, oldest_due_at: datetime | None = None, last_success: datetime | None = None
) -> Any:
    async def status() -> DeliveryStatus:
        return DeliveryStatus(pending, oldest_due_at, last_success)

    return status


def probe(**changes: Any) -> HealthProbe:
    """Everything fine, started long ago, nothing pending; ``changes`` break one thing."""
    healthy = HealthProbe(
        database=always_up,
        watcher=always_up,
        worker=always_up,
        deliveries=deliveries(),
        clock=lambda: NOW,
        started_at=LONG_AGO,
        timeout=0.2,
    )
    return dataclasses.replace(healthy, **changes)


async def healthz(http: aiohttp.ClientSession, health: HealthProbe) -> tuple[int, dict[str, Any]]:
    async with serving(web_app(health=health)) as url, http.get(url + "/healthz") as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def test_a_healthy_bot_answers_200_with_every_field(http: aiohttp.ClientSession) -> None:
    status, body = await healthz(http, probe(deliveries=deliveries(3, NOW - MINUTE, NOW - 2 * MINUTE)))
    assert status == 200
    assert body == {
        "status": "ok",
        "problems": [],
        "database": True,
        "database_outage": None,
        "watcher": True,
        "worker": True,
        "polling": None,
        "pending_deliveries": 3,
        "oldest_due_delivery": "2026-11-27T11:59:00+00:00",
        "last_successful_send": "2026-11-27T11:58:00+00:00",
        "deliveries_stalled": False,
        "stall_after_seconds": 300.0,
        "started_at": LONG_AGO.isoformat(),
        "checked_at": NOW.isoformat(),
    }


async def test_no_news_and_no_sends_ever_is_healthy() -> None:
    report = await check_health(probe(deliveries=deliveries(0, None, None)))
    assert report.healthy
    scheduled_retry_only = await check_health(probe(deliveries=deliveries(5, None, None)))
    assert scheduled_retry_only.healthy


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"database": always_down}, "database", "database unreachable"),
        ({"database": unreachable}, "database", "database unreachable"),
        ({"database": hangs}, "database", "database unreachable"),
        ({"watcher": always_down}, "watcher", "content watcher stopped"),
        ({"worker": always_down}, "worker", "delivery worker stopped"),
        ({"worker": hangs}, "worker", "delivery worker stopped"),
        ({"polling": always_down}, "polling", "another process is polling getUpdates with this bot token"),
    ],
    ids=["db-down", "db-raises", "db-hangs", "watcher-dead", "worker-dead", "worker-hangs", "conflict"],
)
async def test_each_broken_part_answers_503(
    http: aiohttp.ClientSession, changes: dict[str, Any], field: str, problem: str
) -> None:
    status, body = await healthz(http, probe(**changes))
    assert status == 503
    assert body["status"] == "failing"
    assert body[field] is False
    assert body["problems"] == [problem]


async def test_a_database_that_answers_select_1_but_takes_no_writes_answers_503(
    http: aiohttp.ClientSession,
) -> None:
    disk_full = True

    async def write() -> None:
        if disk_full:
            raise sa_exc.OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    outages = DatabaseOutages("data/newsbot.db", write, metrics=Metrics(), backoff=Backoff(0.01, 0.02))
    assert outages.failed(await _raised(write), "recording sent pushes")
    status, body = await healthz(http, probe(outages=outages))
    assert status == 503
    assert body["database"] is True  # SELECT 1 passes on a full disk
    assert body["problems"] == ["database unavailable: the disk is full"]
    assert body["database_outage"]["cause"] == "the disk is full"
    disk_full = False  # room again: the outage's probe writes, and it is over
    await asyncio.sleep(0.2)
    status, body = await healthz(http, probe(outages=outages))
    assert status == 200 and body["database_outage"] is None
    await outages.close()


async def _raised(call: Callable[[], Awaitable[None]]) -> Exception:
    try:
        await call()
    except Exception as error:
        return error
    raise AssertionError("did not raise")


async def test_deliveries_due_too_long_without_a_send_answer_503(http: aiohttp.ClientSession) -> None:
    stuck = deliveries(40, NOW - 6 * MINUTE, NOW - 7 * MINUTE)
    status, body = await healthz(http, probe(deliveries=stuck))
    assert status == 503
    assert body["deliveries_stalled"] is True
    assert body["problems"] == ["deliveries due for over 300 s with no send"]

    never_sent = await check_health(probe(deliveries=deliveries(1, NOW - 6 * MINUTE, None)))
    assert not never_sent.healthy


@pytest.mark.parametrize(
    ("oldest_due", "last_success", "started_at"),
    [
        (NOW - 6 * MINUTE, NOW - MINUTE, LONG_AGO),  # old backlog, but sends are going out
        (NOW - 4 * MINUTE, None, LONG_AGO),  # not due for long enough yet
        (NOW - 6 * MINUTE, None, NOW - MINUTE),  # just restarted: give it time to catch up
    ],
    ids=["still-sending", "recently-due", "fresh-start"],
)
async def test_a_backlog_that_moves_is_healthy(
    oldest_due: datetime, last_success: datetime | None, started_at: datetime
) -> None:
    report = await check_health(
        probe(deliveries=deliveries(100, oldest_due, last_success), started_at=started_at)
    )
    assert report.healthy, report.problems


async def test_the_stall_threshold_is_configurable() -> None:
    late = probe(deliveries=deliveries(1, NOW - 2 * MINUTE, None))
    assert (await check_health(late)).healthy
    assert not (await check_health(dataclasses.replace(late, stall_after=MINUTE))).healthy


async def test_an_unreadable_ledger_is_a_problem_and_parts_not_run_here_are_not() -> None:
    async def broken() -> DeliveryStatus:
        raise RuntimeError("no such table: deliveries")

    report = await check_health(probe(deliveries=broken))
    assert report.problems == ("delivery ledger unreadable",)
    assert report.body["pending_deliveries"] is None

    minimal = await check_health(HealthProbe(database=always_up))
    assert minimal.healthy
    assert minimal.body["watcher"] is None and minimal.body["worker"] is None


# -- against a real SQLite database -----------------------------------------------------------


@dataclass
class FakeWatcher:
    alive: bool = True


@dataclass
class FakeWorker:
    alive: bool = True
    last_success: datetime | None = None


async def test_the_runtime_probe_reads_the_ledger(database_url: str, tmp_path: Path) -> None:
    async with temporary_database(database_url) as db:
        async with db.write() as session:
            await add_chat(session, 1)
            await add_chat(session, 2)
            article = await add_article(session)
            later = await add_article(session)
            await add_delivery(session, article, 1, status="pending", due_at=NOW - 10 * MINUTE)
            await add_delivery(session, later, 1, status="pending", due_at=NOW + MINUTE)  # a retry, not due
            await add_delivery(session, article, 2, status="sent", sent_at=NOW - 20 * MINUTE)
        worker = FakeWorker()
        health = health_from_runtime(db, watcher=FakeWatcher(), worker=worker, clock=lambda: NOW)
        assert health.started_at == NOW

        fresh = await check_health(health)
        assert fresh.healthy
        assert fresh.body["pending_deliveries"] == 2
        assert fresh.body["oldest_due_delivery"] == (NOW - 10 * MINUTE).isoformat()
        assert fresh.body["last_successful_send"] == (NOW - 20 * MINUTE).isoformat()

        running_long = dataclasses.replace(health, started_at=LONG_AGO)
        assert (await check_health(running_long)).problems == ("deliveries due for over 300 s with no send",)

        worker.last_success = NOW - MINUTE  # sent, but not yet recorded in the ledger
        report = await check_health(running_long)
        assert report.healthy
        assert report.body["last_successful_send"] == (NOW - MINUTE).isoformat()

        worker.alive = False
        assert (await check_health(running_long)).problems == ("delivery worker stopped",)


def database_in_a_folder(tmp_path: Path) -> Database:
    folder = tmp_path / "db.sqlite"
    folder.mkdir()
    return Database(f"sqlite:///{folder}")


def database_whose_folder_vanished(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'gone' / 'bot.db'}")
    shutil.rmtree(tmp_path / "gone")
    return db


@pytest.mark.parametrize("make", [database_in_a_folder, database_whose_folder_vanished])
async def test_an_unopenable_sqlite_database_answers_503(
    http: aiohttp.ClientSession, tmp_path: Path, make: Any
) -> None:
    db: Database = make(tmp_path)
    try:
        health = health_from_runtime(db, watcher=FakeWatcher(), worker=FakeWorker(), clock=lambda: NOW)
        status, body = await healthz(http, health)
    finally:
        await db.close()
    assert status == 503
    assert body["database"] is False
    assert body["problems"] == ["database unreachable"]
    assert body["pending_deliveries"] is None
