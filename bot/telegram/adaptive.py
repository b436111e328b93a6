"""The global send rate after Telegram answers 429: cut at once, climbed back with care.

Telegram's 30 a second is a documented ceiling, not a promise: under load, or for a bot it distrusts, it
answers 429 sooner, and every send inside the ``retry_after`` it gave makes the wait longer. So a 429 is
a fact about the whole bot, not about one chat:

- every send of the process waits out ``retry_after`` (``paused_until``), replies and pushes alike;
- the rate is cut to ``CUT`` × what was achieved in the second before (multiplicative decrease), and the
  rate the 429 came at is remembered as ``known_limit``;
- each calm second then adds ``STEP`` back, up to just below ``known_limit``; going above it is a probe,
  made only after ``probe_wait`` calm seconds, a wait that doubles with every 429 a probe draws (up to
  ``PROBE_WAIT_MAX``), so a lowered limit costs a few 429s, not one every few seconds;
- a probe that holds for a calm second means the limit went up again: the known limit is forgotten and
  the rate grows by ``GROWTH`` a second back to the configured ceiling.

Several 429s answered within half a second, during the pause (sends already on their way), are one event.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Clock = Callable[[], float]

CUT = 0.7
STEP = 1.0
GROWTH = 1.25
PROBE_WAIT = 15.0
PROBE_WAIT_MAX = 120.0
SAME_EVENT = 0.5  # seconds


class AdaptiveRate:
    """The sends a second this process may make now, at most ``ceiling``."""

    def __init__(self, ceiling: float, clock: Clock) -> None:
        self.ceiling = ceiling
        self.clock = clock
        self.rate = ceiling
        self.known_limit: float | None = None
        self.paused_until = -math.inf
        self.probe_wait = PROBE_WAIT
        self._calm_since = clock()  # the last 429 or the last step
        self._last_429 = -math.inf
        self._probing = False
        self.limited = 0  # 429 events (not answers) so far

    def set_ceiling(self, ceiling: float) -> None:
        """A new upper bound (this process's share of the budget changed)."""
        self.ceiling = max(0.01, ceiling)
        self.rate = min(self.rate, self.ceiling)
        if self.known_limit is None:  # no 429 lately: the new share applies at once
            self.rate = self.ceiling

    def pause(self) -> float:
        """Seconds every send must still wait because of a 429 (0: none)."""
        return max(0.0, self.paused_until - self.clock())

    def rate_limited(self, retry_after: float, achieved: float) -> bool:
        """A 429 came back; ``achieved``: sends answered in the second before. True: a new event."""
        now = self.clock()
        # Sends already on their way when the first 429 came back draw theirs within a moment.
        same_event = now < min(self._last_429 + SAME_EVENT, self.paused_until)
        self.paused_until = max(self.paused_until, now + retry_after)
        self._calm_since = self.paused_until
        if same_event:
            return False
        self.limited += 1
        at = max(1.0, min(self.rate, achieved))
        if self._probing:  # the probe failed: the next one waits longer
            self.probe_wait = min(PROBE_WAIT_MAX, self.probe_wait * 2)
        self.known_limit = at if self.known_limit is None else min(self.known_limit, at)
        self.rate = max(1.0, math.floor(at * CUT))
        self._probing = False
        self._last_429 = now
        return True

    def current(self) -> float:
        """The rate now, after the calm seconds since the last change have been counted."""
        now = self.clock()
        while now - self._calm_since >= 1.0 and self.rate < self.ceiling:
            self._calm_since += 1.0
            self._step(self._calm_since)
        return self.rate

    def _step(self, at: float) -> None:
        if self.known_limit is None:
            self.rate = min(self.ceiling, max(self.rate + STEP, self.rate * GROWTH))
            return
        if self._probing:  # a calm second above the known limit: it has gone up
            self.known_limit = None
            self.probe_wait = PROBE_WAIT
            self._probing = False
            self.rate = min(self.ceiling, self.rate * GROWTH)
            return
        below = self.known_limit - 1
        if self.rate < below:
            self.rate = min(below, self.rate + STEP)
        elif at - self._last_429 >= self.probe_wait:
            self.rate = min(self.ceiling, self.known_limit)
            self._probing = True
