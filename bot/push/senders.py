"""This process as one of the senders sharing the delivery queue (storage/delivery/claims.py has the SQL).

A sender registers at start, then a heartbeat renews its registration and its leases every third of a
lease. How fast each sender may send is not decided here: the send budget (bot/push/budget.py) shares
Telegram's rate between the running processes as they need it. On SQLite only one sender may run: a second
one is refused with a clear message, and the one that runs owns the whole queue without leasing chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ops.outages import DatabaseOutages
from storage.db.database import Database
from storage.delivery.claims import (
    SenderInfo,
    all_senders,
    claim,
    forget_stale,
    heartbeat,
    held,
    live_senders,
    register_sender,
    release_idle,
    retire,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STALE_LEASES = 10  # registrations silent for this many leases are removed


class SingleSenderError(RuntimeError):
    """SQLite and a second sending process: refused, with what to do instead."""


@dataclass(frozen=True, slots=True)
class FleetSettings:
    role: str = "all"
    lease: timedelta = timedelta(seconds=30)
    single: bool = False  # SQLite: one sender only
    hold_max: int = 500


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(sender: SenderInfo, now: datetime) -> str:
    age = max(0.0, (now - sender.heartbeat_at).total_seconds())
    return f"{sender.id} (--role {sender.role}, pid {sender.pid} on {sender.host}, heartbeat {age:.0f} s ago)"


class SenderFleet:
    """Registration, heartbeat, leases and the rate share of this sending process."""

    def __init__(
        self,
        db: Database,
        settings: FleetSettings,
        *,
        clock: Clock,
        share: Callable[[], float],
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.share = share  # sends a second this process may make now (its part of the send budget)
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.id = f"{self.host[:60]}:{self.pid}:{secrets.token_hex(4)}"
        self.senders = 1
        self.outages: DatabaseOutages | None = None  # a heartbeat failing on an outage is no error to log
        self._task: asyncio.Task[None] | None = None

    @property
    def leases(self) -> bool:
        """Whether this sender leases chats: always where several may run (PostgreSQL)."""
        return not self.settings.single

    @property
    def interval(self) -> float:
        return self.settings.lease.total_seconds() / 3

    def hold_limit(self, concurrency: int) -> int:
        """How many chats to lease at once: about two seconds of this sender's share, within bounds."""
        return max(concurrency, min(self.settings.hold_max, math.ceil(self.share() * 2)))

    async def join(self) -> None:
        """Register (refused on SQLite when another sender lives) and start the heartbeat."""
        now = self.clock()
        async with self.db.write() as session:
            await forget_stale(session, now, self.settings.lease * STALE_LEASES)
            registered = await all_senders(session)
            # A sender on this host whose process is gone died without retiring: free its chats now.
            dead = [s.id for s in registered if s.host == self.host and not pid_alive(s.pid)]
            await retire(session, dead)
            others = [s for s in await live_senders(session, now, self.settings.lease) if s.id not in dead]
            if others and self.settings.single:
                raise SingleSenderError(
                    "SQLite allows one sending process, and another one is running: "
                    + "; ".join(describe(s, now) for s in others)
                    + ". Stop it, start this process with --role updates, or use PostgreSQL "
                    "(DATABASE_URL=postgresql://…) to run several senders."
                )
            await register_sender(
                session, self.id, role=self.settings.role, host=self.host, pid=self.pid, now=now
            )
        if dead:
            log.info("released the chats of %d sender(s) that died on this host", len(dead))
        self.senders = len(others) + 1
        if others:
            log.info("joining %d running sender(s)", len(others))
        self._task = asyncio.create_task(self._beat(), name="sender-heartbeat")

    async def leave(self) -> None:
        """Stop the heartbeat and release every lease at once (a clean stop)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            async with self.db.write() as session:
                await retire(session, [self.id])
        except Exception:
            log.exception("could not retire sender %s; its leases expire on their own", self.id)

    async def beat(self) -> None:
        """One heartbeat: renew registration and leases, recount the live senders."""
        now = self.clock()
        async with self.db.write() as session:
            if not await heartbeat(session, self.id, now, self.settings.lease):
                log.warning("sender %s was retired by another process: registering again", self.id)
                await register_sender(
                    session, self.id, role=self.settings.role, host=self.host, pid=self.pid, now=now
                )
            count = len(await live_senders(session, now, self.settings.lease))
        if count != self.senders:
            log.info("%d sender(s) live", count)
        self.senders = max(1, count)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except Exception as error:
                if self.outages is None or not self.outages.failed(error, "renewing the sender's leases"):
                    log.exception("sender heartbeat failed; retrying")

    async def top_up(self, *, busy: Collection[int], concurrency: int) -> int:
        """Give back drained chats and lease more with pushes due; returns how many this sender holds."""
        now = self.clock()
        limit = self.hold_limit(concurrency)
        async with self.db.write() as session:
            await release_idle(session, self.id, now, busy=busy)
            holding = await held(session, self.id)
            if holding < limit:
                holding += len(await claim(session, self.id, now, self.settings.lease, limit=limit - holding))
        return holding
