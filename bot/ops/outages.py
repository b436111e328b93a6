"""Database outages as one process lives them: waited out with capped backoff, told once, measured.

Work that fails because the database is away, locked, full or read-only (``storage.db.outages`` tells
which errors those are) is retried, never dropped and never a crash. The first such failure starts an
outage: one warning naming the database and the cause. While it lasts, a probe (one small real write, so
a read-only or full database is not taken for a healthy one) runs with capped exponential backoff and
jitter; the probe's first success ends the outage (one line with its length) and wakes every retry that
waits, so work held back resumes within a second of the probe, not at its own next backoff step. An
outage longer than ``alert_after`` is told to the operators, and so is its end. ``/healthz`` reads
``active``; ``/metrics`` counts outages and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bot.ops.metrics import Metrics
from storage.db.outages import classify

log = logging.getLogger(__name__)

T = TypeVar("T")
Alert = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential delays with jitter: ``initial``, twice that, … up to ``cap`` seconds."""

    initial: float = 0.5
    cap: float = 10.0

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``attempt`` (0-based): between half and all of the step, so the
        retries of many waiters do not return in step."""
        step = min(self.cap, self.initial * 2.0 ** min(attempt, 30))
        return step * (0.5 + 0.5 * rng())


class DatabaseOutages:
    """One per process: whether the database is usable now, and the retry loop that waits until it is."""

    def __init__(
        self,
        label: str,
        probe: Callable[[], Awaitable[object]],
        *,
        metrics: Metrics,
        backoff: Backoff = Backoff(),
        alert_after: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label  # the database as an operator knows it: its file, or its URL without password
        self.probe = probe
        self.metrics = metrics
        self.backoff = backoff
        self.alert_after = alert_after
        self.monotonic = monotonic
        self.on_alert: Alert | None = None
        self.cause: str | None = None
        self.started_at: datetime | None = None
        self._since = 0.0
        self._retries = 0
        self._alerted = False
        self._back = asyncio.Event()
        self._back.set()
        self._watch: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.cause is not None

    def failed(self, error: BaseException, what: str) -> bool:
        """Note a failure of ``what``; True when it is an outage (then waited out), False for any other
        error, which the caller handles as the defect it is."""
        outage = classify(error)
        if outage is None:
            return False
        self.metrics.count_database_retry()
        if self.active:
            self._retries += 1
            return True
        self.cause = outage.cause
        self.started_at = datetime.now(UTC)
        self._since = self.monotonic()
        self._retries = 1
        self._alerted = False
        self._back.clear()
        self.metrics.database_outage_started()
        log.warning(
            "database unavailable (%s): %s, while %s; waiting it out and retrying",
            self.label,
            outage.cause,
            what,
        )
        self._watch = asyncio.get_running_loop().create_task(self._wait_out(), name="database-probe")
        return True

    async def retry(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation`` until it succeeds, waiting out outages; any other error is raised at once."""
        attempt = 0
        while True:
            try:
                return await operation()
            except Exception as error:
                if not self.failed(error, what):
                    raise
            await self.pause(attempt)
            attempt += 1

    async def pause(self, attempt: int) -> None:
        """Wait before the next try: the backoff step, or less when the outage ends first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._back.wait(), self.backoff.delay(attempt))

    async def _wait_out(self) -> None:
        attempt = 0
        while self.active:
            await asyncio.sleep(self.backoff.delay(attempt))
            attempt += 1
            if not self._alerted and self.monotonic() - self._since >= self.alert_after:
                self._alerted = True
                self._tell(
                    f"The database ({self.label}) has been unavailable for "
                    f"{self.monotonic() - self._since:.0f} s: {self.cause}. The bot keeps retrying; "
                    "nothing is lost meanwhile."
                )
            try:
                await self.probe()
            except Exception as error:
                outage = classify(error)
                if outage is None:
                    log.exception("database probe failed")
                else:
                    self.cause = outage.cause
                continue
            self._end()

    def _end(self) -> None:
        lasted = self.monotonic() - self._since
        log.warning(
            "database available again (%s) after %.1f s; %d failed tries meanwhile",
            self.label,
            lasted,
            self._retries,
        )
        if self._alerted:
            self._tell(f"The database ({self.label}) is available again, after {lasted:.0f} s.")
        self.cause = None
        self.started_at = None
        self.metrics.database_outage_ended()
        self._back.set()

    def _tell(self, line: str) -> None:
        if self.on_alert is not None:
            self.on_alert(line)

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
