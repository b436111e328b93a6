"""Flood control for incoming commands: a sliding one-minute window per chat."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

CLEANUP_EVERY = 1_000


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: say "slow down" once
    IGNORE = "ignore"  # still over the limit, already warned


class FloodGate:
    """Allows ``limit`` commands per chat in any trailing ``window`` seconds.

    Ignored commands are not counted, so a chat that keeps typing is answered again as soon as its
    earlier commands leave the window.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, chat_id: int) -> Verdict:
        now = self.clock()
        self._checks += 1
        if self._checks % CLEANUP_EVERY == 0:
            self._forget_idle(now)
        recent = self._recent.setdefault(chat_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.discard(chat_id)
            return Verdict.ALLOW
        if chat_id in self._warned:
            return Verdict.IGNORE
        self._warned.add(chat_id)
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        idle = [
            chat for chat, recent in self._recent.items() if not recent or recent[-1] <= now - self.window
        ]
        for chat in idle:
            del self._recent[chat]
            self._warned.discard(chat)
