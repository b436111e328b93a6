"""Telegram's flood limits: 30 sends a second overall, per-chat bursts, 20 a minute per group.

All windows are trailing and half-open: a send at ``t`` counts against every window ``(t - w, t]``,
so the 31st send within the same second is refused and the first one frees its slot exactly one
second after it was made. A refused call consumes nothing.

Paid broadcasts (``allow_paid_broadcast``) may go up to 1000 sends in the trailing second overall; each
one that finds the free 30 of that second already used costs 0.1 Telegram Star.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

# Telegram's price of one message beyond the free rate, in Stars (a fraction, so sums stay exact).
PAID_MESSAGE_STARS = Fraction(1, 10)


@dataclass(frozen=True)
class EmulatorLimits:
    """Flood limits to enforce; the defaults are Telegram's documented ones."""

    enabled: bool = True
    global_per_second: int = 30
    chat_burst: int = 4
    chat_per_second: float = 1.0
    group_per_minute: int = 20
    paid_broadcast_per_second: int = 1000
    callback_query_timeout: float = 15.0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Decides whether a send may go out now, and remembers the sends that did."""

    def __init__(self, limits: EmulatorLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._global: deque[float] = deque()
        self._buckets: dict[int | str, _Bucket] = {}
        self._groups: dict[int | str, deque[float]] = {}
        self._recent: deque[float] = deque()
        self._recent_by_chat: dict[int | str, deque[float]] = {}
        self.max_sends_per_second = 0
        self.max_sends_per_second_by_chat: dict[int | str, int] = {}
        self.paid_messages = 0

    @property
    def stars_spent(self) -> Fraction:
        """What the paid messages cost the bot's Star balance."""
        return self.paid_messages * PAID_MESSAGE_STARS

    def retry_after(
        self, chat_id: int | str, *, private: bool, counts_global: bool, paid: bool = False
    ) -> int | None:
        """Seconds to wait before this call may succeed, or ``None`` when it may go now."""
        if not self.limits.enabled:
            return None
        now = self._clock()
        waits: list[float] = []
        if counts_global:
            limit = self.limits.paid_broadcast_per_second if paid else self.limits.global_per_second
            waits.append(_window_wait(self._global, limit, 1.0, now))
        if private:
            bucket = self._bucket(chat_id, now)
            if bucket.tokens < 1.0:
                waits.append((1.0 - bucket.tokens) / self.limits.chat_per_second)
        else:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(_window_wait(window, self.limits.group_per_minute, 60.0, now))
        wait = max(waits, default=0.0)
        if wait <= 0:
            return None
        return max(1, math.ceil(wait - 1e-9))

    def record(self, chat_id: int | str, *, private: bool, counts_global: bool, paid: bool = False) -> None:
        """Account for a call that went out (a send, or an edit when ``counts_global`` is false).

        A paid broadcast is charged when the trailing second already holds the free rate's worth of sends
        (paid or not); within the free rate it costs nothing. Charged whether or not limits are enforced.
        """
        now = self._clock()
        if counts_global:
            _prune(self._global, 1.0, now)
            if paid and len(self._global) >= self.limits.global_per_second:
                self.paid_messages += 1
            self._global.append(now)
            self._recent.append(now)
            _prune(self._recent, 1.0, now)
            self.max_sends_per_second = max(self.max_sends_per_second, len(self._recent))
            recent = self._recent_by_chat.setdefault(chat_id, deque())
            recent.append(now)
            _prune(recent, 1.0, now)
            self.max_sends_per_second_by_chat[chat_id] = max(
                self.max_sends_per_second_by_chat.get(chat_id, 0), len(recent)
            )
        if private:
            bucket = self._bucket(chat_id, now)
            bucket.tokens -= 1.0
        else:
            self._groups.setdefault(chat_id, deque()).append(now)

    def _bucket(self, chat_id: int | str, now: float) -> _Bucket:
        capacity = float(self.limits.chat_burst)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(capacity, now)
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(capacity, bucket.tokens + elapsed * self.limits.chat_per_second)
        bucket.updated = now
        return bucket


def _prune(window: deque[float], width: float, now: float) -> None:
    while window and window[0] <= now - width:
        window.popleft()


def _window_wait(window: deque[float], limit: int, width: float, now: float) -> float:
    """Seconds until the trailing window of ``width`` holds fewer than ``limit`` entries."""
    _prune(window, width, now)
    if len(window) < limit:
        return 0.0
    # The entry whose expiry brings the count below the limit.
    blocking = window[len(window) - limit]
    return blocking + width - now
