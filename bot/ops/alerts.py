"""Operator alerts: messages to ``ADMIN_IDS`` when a dropped file is rejected, push failures spike, a
channel of ``channels.yaml`` cannot be posted in, a sync holds its withdrawals (and when that is over), or
the database stays unavailable.

Alerts are rate-limited: within ``interval`` seconds at most one message per kind goes out; problems found
meanwhile are gathered into the next one, so an operator fixing a folder of bad files gets a few
messages, not hundreds.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

MAX_LINES = 20
TITLES = {
    "files": "⚠️ <b>Rejected content files</b>",
    "failures": "⚠️ <b>Push failures are spiking</b>",
    "channels": "⚠️ <b>Channel problems</b>",
    "database": "⚠️ <b>Database</b>",
    "held": "⚠️ <b>Withdrawals held</b>",
    "released": "✅ <b>Withdrawals no longer held</b>",
}
SPIKE_WINDOW_SECONDS = 300.0


class OperatorAlerts:
    """Collects problems and tells the operators, at most once per ``interval`` per kind."""

    def __init__(
        self,
        bot: ExtBot[Any],
        admin_ids: Iterable[int],
        *,
        enabled: bool = True,
        interval: float = 60.0,
        failure_spike: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.admin_ids = sorted(admin_ids)
        self.enabled = enabled and bool(self.admin_ids)
        self.interval = interval
        self.failure_spike = failure_spike
        self.clock = clock
        self._pending: dict[str, list[str]] = {}
        self._last_sent: dict[str, float] = {}
        self._flushes: dict[str, asyncio.Task[None]] = {}
        self._failures: deque[float] = deque()
        self._spiking = False
        self._told: dict[str, str] = {}  # path -> the error line last reported for it

    def rejected_files(self, errors: Iterable[tuple[str, str]]) -> None:
        """(path, error line) of files the store rejected; each problem is told once, not at every rescan."""
        fresh = []
        for path, line in errors:
            if self._told.get(path) != line:
                self._told[path] = line
                fresh.append(line)
        if fresh:
            self._add("files", fresh)

    def send_failed(self, description: str) -> None:
        """One push failed for good; an alert goes out when failures spike."""
        now = self.clock()
        self._failures.append(now)
        while self._failures and self._failures[0] < now - SPIKE_WINDOW_SECONDS:
            self._failures.popleft()
        if len(self._failures) >= self.failure_spike and not self._spiking:
            self._spiking = True
            minutes = int(SPIKE_WINDOW_SECONDS // 60)
            self._add(
                "failures", [f"{len(self._failures)} pushes failed in {minutes} min; latest: {description}"]
            )
        elif len(self._failures) < self.failure_spike // 2:
            self._spiking = False

    def channel_problem(self, line: str) -> None:
        """A channel of ``channels.yaml`` the bot cannot post in, or cannot find (bot/ops/channels.py)."""
        self._add("channels", [line])

    def database(self, line: str) -> None:
        """An outage of the database that lasts, and its end (bot/ops/outages.py)."""
        self._add("database", [line])

    def withdrawals_held(self, line: str) -> None:
        """A sync held its withdrawals (storage/catalog/withdraw_guard.py); told once per hold by the caller."""
        self._add("held", [line])

    def withdrawals_released(self, line: str) -> None:
        """The hold is over: the files came back, or an operator confirmed."""
        self._add("released", [line])

    def _add(self, kind: str, lines: Iterable[str]) -> None:
        if not self.enabled:
            return
        self._pending.setdefault(kind, []).extend(lines)
        if kind not in self._flushes or self._flushes[kind].done():
            wait = max(0.0, self._last_sent.get(kind, -self.interval) + self.interval - self.clock())
            self._flushes[kind] = asyncio.create_task(self._flush(kind, wait), name=f"alert-{kind}")

    async def _flush(self, kind: str, wait: float) -> None:
        await asyncio.sleep(wait)
        lines = self._pending.pop(kind, [])
        if not lines:
            return
        self._last_sent[kind] = self.clock()
        title = TITLES[kind]
        shown = [html.escape(line, quote=False) for line in lines[:MAX_LINES]]
        if len(lines) > MAX_LINES:
            shown.append(f"… and {len(lines) - MAX_LINES} more (see the logs)")
        text = "\n".join([title, *shown])[:4000]
        for admin in self.admin_ids:
            try:
                await self.bot.send_message(admin, text)
            except TelegramError as error:
                # An operator who never started the bot cannot be messaged; the log still has it all.
                log.warning("operator alert to %s not delivered: %s", admin, error)

    async def close(self) -> None:
        for task in self._flushes.values():
            task.cancel()
        for task in self._flushes.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
