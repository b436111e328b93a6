"""The limiters the pacer combines: windows, buckets and spacing, each on an injected clock.

``SendWindow`` is the one that guards Telegram's global limit. Telegram counts a send when it arrives,
which is some time after the bot let it go and before the bot sees the answer. So a send holds its slot
from the moment it is allowed (``Slot``) until one second after its answer came back: any 30 sends
Telegram could see within one second are then also 30 slots held at once here, whatever the network
did in between. A fixed margin on the departure times would either waste slots (too wide) or let late
arrivals bunch up (too narrow); the answer times need no guess.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

# Clocks are read a little apart from where Telegram counts: leave this much room in every window.
SAFETY_SECONDS = 0.01
# A group window also counts from departure, widened by the slowest recent send (at most this much).
MAX_LATENCY_MARGIN = 1.0
RECENT_SENDS = 64


class Latency:
    """How long recent sends took: the slowest of them bounds how late a send reaches Telegram."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=RECENT_SENDS)

    def observe(self, seconds: float) -> None:
        self._recent.append(seconds)

    @property
    def margin(self) -> float:
        return min(MAX_LATENCY_MARGIN, max(SAFETY_SECONDS, max(self._recent, default=0.0)))


class Slot:
    """One send's hold on its ``SendWindow``s: taken when the send may go, ended when its answer is back.

    ``done`` keeps the slot for one more period (Telegram may have counted the send at any moment
    until its answer); ``cancel`` returns it at once (nothing was sent). Either may be called more than
    once: the first call counts.
    """

    __slots__ = ("_windows",)

    def __init__(self, *windows: SendWindow) -> None:
        self._windows = windows

    def done(self) -> None:
        self._end(cancelled=False)

    def cancel(self) -> None:
        self._end(cancelled=True)

    def _end(self, *, cancelled: bool) -> None:
        windows, self._windows = self._windows, ()
        for window in windows:
            window.finish(cancelled=cancelled)


class SendWindow:
    """At most ``limit`` sends that Telegram could count within any ``period`` seconds.

    A send counts from the moment it is allowed until ``period`` after its answer: in flight it always
    counts; finished, it counts while its answer time is within the trailing period.
    """

    def __init__(self, limit: int, period: float, clock: Clock) -> None:
        self.limit = limit
        self.period = period + SAFETY_SECONDS
        self.clock = clock
        self.in_flight = 0
        self._answers: deque[float] = deque()  # answer times, in the order they came (non-decreasing)
        self.on_change: Callable[[], None] | None = None

    def _prune(self, now: float) -> None:
        while self._answers and self._answers[0] <= now - self.period:
            self._answers.popleft()

    def held(self) -> int:
        """Slots held now: sends in flight and sends answered within the trailing period."""
        self._prune(self.clock())
        return self.in_flight + len(self._answers)

    def recent(self, seconds: float = 1.0) -> int:
        """Sends answered within the last ``seconds`` (the rate actually achieved)."""
        now = self.clock()
        return sum(1 for answered in self._answers if answered > now - seconds)

    def delay(self) -> float | None:
        """Seconds until a slot frees: 0 now, ``None`` when only an answer still in flight can free one."""
        now = self.clock()
        self._prune(now)
        over = self.in_flight + len(self._answers) - self.limit + 1
        if over <= 0:
            return 0.0
        if over > len(self._answers):
            return None
        return self._answers[over - 1] + self.period - now

    def take(self) -> None:
        """Hold one slot; ``finish`` ends it (through the ``Slot`` handed to the sender)."""
        self.in_flight += 1

    def finish(self, *, cancelled: bool) -> None:
        self.in_flight -= 1
        if not cancelled:
            self._answers.append(self.clock())
        if self.on_change is not None:
            self.on_change()


class SlidingWindow:
    """At most ``limit`` events in any trailing ``period`` seconds (plus a margin for the network)."""

    def __init__(self, limit: int, period: float, clock: Clock, latency: Latency | None = None) -> None:
        self.limit = limit
        self.base = period
        self.clock = clock
        self.latency = latency
        self._times: deque[float] = deque()

    @property
    def period(self) -> float:
        return self.base + (self.latency.margin if self.latency is not None else SAFETY_SECONDS)

    def delay(self) -> float:
        now = self.clock()
        while self._times and self._times[0] <= now - self.period:
            self._times.popleft()
        return 0.0 if len(self._times) < self.limit else self._times[0] + self.period - now

    def take(self) -> None:
        self._times.append(self.clock())

    @property
    def idle(self) -> bool:
        return self.delay() == 0.0 and not self._times


class TokenBucket:
    """``burst`` events at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int, clock: Clock) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def delay(self) -> float:
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate + SAFETY_SECONDS

    def take(self) -> None:
        self._refill()
        self._tokens -= 1

    @property
    def idle(self) -> bool:
        self._refill()
        return self._tokens >= self.burst


class Spacing:
    """Events evenly spaced, ``rate`` per second, no bursts.

    Pushes are spaced as well as windowed: a window alone lets a whole second's worth go at once and then
    nothing, and a reply arriving in the gap would wait for the next second.
    """

    def __init__(self, rate: float, clock: Clock) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = clock()

    @property
    def rate(self) -> float:
        return 1.0 / self.interval

    @rate.setter
    def rate(self, rate: float) -> None:
        self.interval = 1.0 / rate

    def delay(self) -> float:
        return max(0.0, self._next - self.clock())

    def take(self) -> None:
        # A send a little late (the event loop was busy) keeps the cadence: were the next one spaced from
        # the late one, every such delay would be lost for good. After a longer pause it starts afresh.
        now = self.clock()
        base = self._next if now - self._next < self.interval else now
        self._next = max(self._next, base) + self.interval

    @property
    def idle(self) -> bool:
        return self.delay() == 0.0
