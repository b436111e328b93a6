"""Retention: every sending process prunes the delivery ledger (``RETENTION_DAYS``) and, when
``ARTICLE_RETENTION_DAYS`` is set, old withdrawn articles, once an hour.

A pass at start-up, then one every ``interval``: closed rows older than the retention go, in short batches,
then articles published and withdrawn longer ago than the article retention (storage/delivery/retention.py
says which rows and articles, and why none of them can ever make a push go out again). Several senders on
PostgreSQL may run passes at the same moment: a batch holds an advisory lock, and a sender that finds it
taken leaves the pass to the other. A ledger pass logs one INFO line with its counts and adds to
``newsbot_deliveries_pruned_total``; an article pass that deleted something logs one and adds to
``newsbot_articles_pruned_total`` (and the rows it deleted with them to the first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.ops.metrics import Metrics
from bot.ops.outages import DatabaseOutages
from storage.db.database import Database
from storage.delivery.retention import (
    ARTICLE_BATCH,
    PRUNE_BATCH,
    ArticlePruneReport,
    PruneReport,
    prune,
    prune_articles,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PRUNE_INTERVAL = timedelta(hours=1)
DEFERRED = "; another sender is pruning, the rest is left to it"


class RetentionWorker:
    """One per sending process (unless both retentions are off); ``stop()`` ends a pass between batches.

    ``retention``: ``RETENTION_DAYS``, ``articles``: ``ARTICLE_RETENTION_DAYS``; None: that one is off.
    """

    def __init__(
        self,
        db: Database,
        retention: timedelta | None,
        *,
        articles: timedelta | None = None,
        clock: Clock,
        metrics: Metrics,
        interval: timedelta = PRUNE_INTERVAL,
        batch: int = PRUNE_BATCH,
        article_batch: int = ARTICLE_BATCH,
    ) -> None:
        self.db = db
        self.retention = retention
        self.articles = articles
        self.clock = clock
        self.metrics = metrics
        self.interval = interval
        self.batch = batch
        self.article_batch = article_batch
        self._stopping = asyncio.Event()
        self.outages: DatabaseOutages | None = None  # a pass failing on an outage is no error to log
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ledger-retention")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def prune_once(self) -> PruneReport:
        """One pass over the ledger: everything closed before now minus the retention."""
        if self.retention is None:
            return PruneReport()
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
            DEFERRED if report.deferred else "",
        )
        return report

    async def prune_articles_once(self) -> ArticlePruneReport:
        """One pass over the articles: withdrawn ones published before now minus the article retention."""
        if self.articles is None:
            return ArticlePruneReport()
        cutoff = self.clock() - self.articles
        started = time.monotonic()
        report = await prune_articles(
            self.db, cutoff, batch=self.article_batch, rows=self.batch, stopping=self._stopping.is_set
        )
        self.metrics.count_articles_pruned(report.articles)
        self.metrics.count_pruned(report.deliveries)
        if report.articles or report.deliveries:
            log.info(
                "retention: pruned %d withdrawn articles published before %s, and %d delivery rows of theirs, "
                "in %d batch(es)%s, %.2f s%s",
                report.articles,
                cutoff.isoformat(timespec="seconds"),
                report.deliveries,
                report.batches,
                f" and {report.merges} step(s) merging the search index" if report.merges else "",
                time.monotonic() - started,
                DEFERRED if report.deferred else "",
            )
        return report

    async def _run(self) -> None:
        while not self._stopping.is_set():
            for name, step in (("ledger", self.prune_once), ("article", self.prune_articles_once)):
                await self._guarded(name, step)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval.total_seconds())

    async def _guarded(self, name: str, step: Callable[[], Awaitable[object]]) -> None:
        try:
            await step()
        except Exception as error:
            # A database outage or hiccup must not end retention: the next pass takes what this one left.
            if self.outages is not None and self.outages.failed(error, f"the {name} retention pass"):
                return
            log.exception("%s retention pass failed; the next one is in %s", name, self.interval)
