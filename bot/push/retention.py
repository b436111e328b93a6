"""Retention (``RETENTION_DAYS``): every sending process prunes the delivery ledger once an hour.

A pass at start-up, then one every ``interval``: closed rows older than the retention go, in short batches
(storage/delivery/retention.py says which rows, and why none of them can ever make a push go out again). Several
senders on PostgreSQL may run passes at the same moment: a batch holds an advisory lock, and a sender that
finds it taken leaves the pass to the other. Each pass logs one INFO line with its counts and adds to
``newsbot_deliveries_pruned_total``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.ops.metrics import Metrics
from storage.db.database import Database
from storage.delivery.retention import PRUNE_BATCH, PruneReport, prune

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PRUNE_INTERVAL = timedelta(hours=1)


class RetentionWorker:
    """One per sending process (unless ``RETENTION_DAYS=0``); ``stop()`` ends a pass between batches."""

    def __init__(
        self,
        db: Database,
        retention: timedelta,
        *,
        clock: Clock,
        metrics: Metrics,
        interval: timedelta = PRUNE_INTERVAL,
        batch: int = PRUNE_BATCH,
    ) -> None:
        self.db = db
        self.retention = retention
        self.clock = clock
        self.metrics = metrics
        self.interval = interval
        self.batch = batch
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ledger-retention")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def prune_once(self) -> PruneReport:
        """One pass over everything closed before now minus the retention."""
        cutoff = self.clock() - self.retention
        started = time.monotonic()
        report = await prune(self.db, cutoff, batch=self.batch, stopping=self._stopping.is_set)
        self.metrics.count_pruned(report.deliveries)
        log.info(
            "retention: pruned %d delivery rows and %d corrections closed before %s in %d batch(es), %.2f s%s",
            report.deliveries,
            report.corrections,
            cutoff.isoformat(timespec="seconds"),
            report.batches,
            time.monotonic() - started,
            "; another sender is pruning, the rest is left to it" if report.deferred else "",
        )
        return report

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.prune_once()
            except Exception:
                # A database hiccup must not end retention: the next pass takes what this one left.
                log.exception("retention pass failed; the next one is in %s", self.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval.total_seconds())
