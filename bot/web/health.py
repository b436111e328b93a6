"""``GET /healthz``: is the bot able to do its job right now?

503 only when something is wrong: the database does not answer or is unavailable (locked, full, read-only:
an outage this process is waiting out), the watcher or the delivery worker has died, deliveries have been due for longer than ``stall_after`` without a single successful send in
that time, or another process is taking this bot's updates from under its long poll. A quiet news day is
healthy: with nothing pending there is nothing to be late with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from aiohttp import web

from bot.ops.outages import DatabaseOutages
from storage.db.database import Database
from storage.delivery.health import count_pending, delivery_backlog

log = logging.getLogger(__name__)

STALL_AFTER = timedelta(seconds=300)
# Each check's limit: keep an orchestrator's probe timeout above it.
CHECK_TIMEOUT = 3.0

Clock = Callable[[], datetime]
Check = Callable[[], Awaitable[bool]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """The ledger as the health check sees it; ``last_success`` also counts sends not yet in the ledger."""

    pending: int
    oldest_due_at: datetime | None
    last_success: datetime | None


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """What ``/healthz`` asks, as async callables so tests can answer without a bot.

    ``watcher``, ``worker``, ``deliveries`` and ``polling`` (false while another process polls getUpdates
    with the same token) are None in a process that does not run them. Each call
    gets ``timeout`` seconds; one that raises or takes longer counts as a failure. ``started_at`` is a
    grace period: a process that started less than ``stall_after`` ago is not blamed for an old backlog.
    """

    database: Check
    watcher: Check | None = None
    worker: Check | None = None
    deliveries: Callable[[], Awaitable[DeliveryStatus]] | None = None
    polling: Check | None = None
    # The outage this process is waiting out (bot/ops/outages.py): a full, locked or read-only database
    # still answers SELECT 1.
    outages: DatabaseOutages | None = None
    clock: Clock = field(default=lambda: datetime.now(UTC))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stall_after: timedelta = STALL_AFTER
    timeout: float = CHECK_TIMEOUT


@dataclass(frozen=True, slots=True)
class HealthReport:
    healthy: bool
    problems: tuple[str, ...]
    body: dict[str, Any]


async def _within(timeout: float, call: Callable[[], Awaitable[T]], what: str) -> T | None:  # noqa: ASYNC109
    """``call()``'s answer, or None when it raised or took longer than ``timeout``."""
    try:
        return await asyncio.wait_for(call(), timeout)
    except Exception as error:
        log.warning("health: %s check failed: %s", what, error or type(error).__name__)
        return None


async def _flag(probe: HealthProbe, check: Check | None, what: str) -> bool | None:
    if check is None:
        return None
    return await _within(probe.timeout, check, what) is True


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def stalled(status: DeliveryStatus, now: datetime, started_at: datetime, stall_after: timedelta) -> bool:
    """Due for longer than ``stall_after``, and nothing sent (and no fresh start) in that time."""
    if status.oldest_due_at is None or now - status.oldest_due_at <= stall_after:
        return False
    progress = max(status.last_success or started_at, started_at)
    return now - progress > stall_after


async def _deliveries(probe: HealthProbe) -> DeliveryStatus | None:
    if probe.deliveries is None:
        return None
    return await _within(probe.timeout, probe.deliveries, "deliveries")


async def check_health(probe: HealthProbe) -> HealthReport:
    """Run every check concurrently and say what, if anything, is wrong."""
    deliveries = probe.deliveries
    database, watcher, worker, polling, status = await asyncio.gather(
        _flag(probe, probe.database, "database"),
        _flag(probe, probe.watcher, "watcher"),
        _flag(probe, probe.worker, "worker"),
        _flag(probe, probe.polling, "polling"),
        _deliveries(probe),
    )
    now = probe.clock()
    late = status is not None and stalled(status, now, probe.started_at, probe.stall_after)
    outage = probe.outages.cause if probe.outages is not None else None
    since = probe.outages.started_at if probe.outages is not None else None
    problems = [
        text
        for failing, text in (
            (not database, "database unreachable"),
            (database and outage is not None, f"database unavailable: {outage}"),
            (watcher is False, "content watcher stopped"),
            (worker is False, "delivery worker stopped"),
            (polling is False, "another process is polling getUpdates with this bot token"),
            (deliveries is not None and status is None and database, "delivery ledger unreadable"),
            (late, f"deliveries due for over {probe.stall_after.total_seconds():g} s with no send"),
        )
        if failing
    ]
    body: dict[str, Any] = {
        "status": "failing" if problems else "ok",
        "problems": problems,
        "database": database,
        "database_outage": None if outage is None else {"cause": outage, "since": _iso(since)},
        "watcher": watcher,
        "worker": worker,
        "polling": polling,
        "pending_deliveries": status.pending if status else None,
        "oldest_due_delivery": _iso(status.oldest_due_at) if status else None,
        "last_successful_send": _iso(status.last_success) if status else None,
        "deliveries_stalled": late,
        "stall_after_seconds": probe.stall_after.total_seconds(),
        "started_at": _iso(probe.started_at),
        "checked_at": _iso(now),
    }
    return HealthReport(healthy=not problems, problems=tuple(problems), body=body)


def health_handler(probe: HealthProbe) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_request: web.Request) -> web.Response:
        report = await check_health(probe)
        return web.json_response(
            report.body, status=200 if report.healthy else 503, headers={"Cache-Control": "no-store"}
        )

    return healthz


# -- probes from the running bot ----------------------------------------------------------------


class Alive(Protocol):
    """``ContentWatcher`` and ``DeliveryWorker``: true while their tasks run."""

    @property
    def alive(self) -> bool: ...


class Poller(Protocol):
    """``PollingGuard``: false while another process takes this bot's updates."""

    @property
    def sole_poller(self) -> bool: ...


class Sender(Alive, Protocol):
    """``DeliveryWorker``: when it last had a push accepted by Telegram."""

    @property
    def last_success(self) -> datetime | None: ...


def alive_check(component: Alive) -> Check:
    async def check() -> bool:
        return component.alive

    return check


def poller_check(poller: Poller) -> Check:
    async def check() -> bool:
        return poller.sole_poller

    return check


def database_check(db: Database) -> Check:
    return db.ping


def deliveries_check(
    db: Database, worker: Sender | None, clock: Clock
) -> Callable[[], Awaitable[DeliveryStatus]]:
    """The ledger's backlog; the last success is the worker's or the ledger's, whichever is newer."""

    async def deliveries() -> DeliveryStatus:
        async with db.read_bulk() as session:
            backlog = await delivery_backlog(session, clock())
        moments = [
            m for m in (backlog.last_sent_at, worker.last_success if worker else None) if m is not None
        ]
        return DeliveryStatus(backlog.pending, backlog.oldest_due_at, max(moments, default=None))

    return deliveries


def pending_deliveries(db: Database) -> Callable[[], Awaitable[int]]:
    """For ``Metrics(pending_deliveries=…)``: the ledger's pending rows, counted at scrape time."""

    async def pending() -> int:
        async with db.read_bulk() as session:
            return await count_pending(session)

    return pending


def health_from_runtime(
    db: Database,
    *,
    watcher: Alive | None,
    worker: Sender | None,
    clock: Clock,
    stall_after: timedelta = STALL_AFTER,
    timeout: float = CHECK_TIMEOUT,
    poller: Poller | None = None,
    deliveries: bool = True,
    outages: DatabaseOutages | None = None,
) -> HealthProbe:
    """The probe for ``BotRuntime``: its database, watcher, worker and poller (None where it runs none).

    ``deliveries``: whether a stalled ledger makes this process unhealthy (not for ``--role updates``,
    which sends no pushes: restarting it would not help).
    """
    return HealthProbe(
        database=database_check(db),
        watcher=alive_check(watcher) if watcher is not None else None,
        worker=alive_check(worker) if worker is not None else None,
        deliveries=deliveries_check(db, worker, clock) if deliveries else None,
        polling=poller_check(poller) if poller is not None else None,
        outages=outages,
        clock=clock,
        started_at=clock(),
        stall_after=stall_after,
        timeout=timeout,
    )
