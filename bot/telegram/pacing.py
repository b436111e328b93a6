"""Pacing every message the bot sends, so Telegram never has to answer 429.

Telegram's limits, as enforced (and as the emulator enforces them):
  - at most 30 messages in any trailing second across all chats;
  - per private chat about one message a second, with short bursts allowed;
  - at most 20 messages a minute per group or channel.

PTB's ``AIORateLimiter`` is a leaky bucket: it lets 30 through at once and then 30 more within the same
second, and it does not pace private chats at all. ``PacingRateLimiter`` enforces exact sliding windows
(global, groups) and a token bucket per private chat, and still retries a 429 after ``retry_after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]

Clock = Callable[[], float]

# Methods that put a message in front of a reader (edits count against the chat, not the global 30/s).
SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendDocument",
        "sendAnimation",
        "copyMessage",
        "forwardMessage",
    }
)
EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"})
# Our clock and Telegram's differ by network jitter: leave at least this much room in every window.
SAFETY_SECONDS = 0.05
# A send reaches Telegram some time after its slot was taken; windows widen by the slowest recent send
# (at most this much), so sends delayed on their way never bunch up where Telegram counts them.
MAX_LATENCY_MARGIN = 1.0
RECENT_SENDS = 64
MAX_TRACKED_CHATS = 50_000


@dataclass(frozen=True, slots=True)
class PacingLimits:
    global_per_second: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    # Pushes get this share of the global budget; the rest stays free for replies, which never wait
    # behind pushes. Several senders divide it between them (bot/push/senders.py).
    push_per_second: float = 25
    # Paid broadcast (opt-in): pushes carry ``allow_paid_broadcast`` and may go at up to this many a
    # second overall; the other sends stay within ``global_per_second``.
    paid_broadcast_per_second: int | None = None


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """Passed as PTB's ``rate_limit_args``: how one call is paced and retried."""

    retries: int = 3
    push: bool = False
    paced: bool = True  # False: the caller already waited for its slot (the delivery worker does)


class Latency:
    """How long recent sends took: the slowest of them bounds how late a send reaches Telegram."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=RECENT_SENDS)

    def observe(self, seconds: float) -> None:
        self._recent.append(seconds)

    @property
    def margin(self) -> float:
        return min(MAX_LATENCY_MARGIN, max(SAFETY_SECONDS, max(self._recent, default=0.0)))


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

    Pushes are spaced rather than windowed: a burst of 25 sent at once reaches Telegram spread out by the
    network, and a window that only counts what leaves could then be exceeded where it arrives.
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
        self._next = max(self._next, self.clock()) + self.interval

    @property
    def idle(self) -> bool:
        return self.delay() == 0.0


Limiter = SlidingWindow | TokenBucket | Spacing


class Pacer:
    """Waits until every limiter that applies to a message has room, then takes a slot in each."""

    def __init__(self, limits: PacingLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        paid = limits.paid_broadcast_per_second
        # Every send counts in ``overall``; without paid broadcast that is Telegram's free 30/s and the
        # same window as ``free``. With it, ``overall`` is the paid limit and the sends that are not
        # pushes also count in ``free``.
        self.latency = Latency()
        self.free = SlidingWindow(limits.global_per_second, 1.0, clock, self.latency)
        self.overall = self.free if paid is None else SlidingWindow(paid, 1.0, clock, self.latency)
        self.ceiling = float(limits.global_per_second if paid is None else paid)
        self.pushes = Spacing(min(limits.push_per_second, self.ceiling), clock)
        self._chats: OrderedDict[int | str, Limiter] = OrderedDict()

    def set_push_rate(self, rate: float) -> None:
        """This process's share of the push rate (several senders divide ``PUSH_RATE``)."""
        self.pushes.rate = max(0.01, min(rate, self.ceiling))

    def _chat(self, chat_id: int | str) -> Limiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if isinstance(chat_id, int) and chat_id > 0:
                limiter = TokenBucket(self.limits.chat_per_second, self.limits.chat_burst, self.clock)
            else:
                limiter = SlidingWindow(self.limits.group_per_minute, 60.0, self.clock, self.latency)
            self._chats[chat_id] = limiter
            if len(self._chats) > MAX_TRACKED_CHATS:
                self._forget_idle()
        self._chats.move_to_end(chat_id)
        return limiter

    def _forget_idle(self) -> None:
        for chat_id in [c for c, limiter in self._chats.items() if limiter.idle][: MAX_TRACKED_CHATS // 10]:
            del self._chats[chat_id]

    def _limiters(self, chat_id: int | str | None, counts_globally: bool, push: bool) -> list[Limiter]:
        limiters: list[Limiter] = [self.overall] if counts_globally else []
        if push and counts_globally:
            limiters.append(self.pushes)
        elif counts_globally and self.free is not self.overall:
            limiters.append(self.free)
        if chat_id is not None:
            limiters.append(self._chat(chat_id))
        return limiters

    def delay(self, chat_id: int | str | None, *, counts_globally: bool = True, push: bool = False) -> float:
        """Seconds until a message to ``chat_id`` may go (0: now)."""
        return max(
            (limiter.delay() for limiter in self._limiters(chat_id, counts_globally, push)), default=0.0
        )

    def chat_delay(self, chat_id: int | str) -> float:
        """Seconds until this chat's own limit lets another message through."""
        return self._chat(chat_id).delay()

    async def wait(
        self, chat_id: int | str | None, *, counts_globally: bool = True, push: bool = False
    ) -> None:
        limiters = self._limiters(chat_id, counts_globally, push)
        # The pause is computed: sleeping exactly until a slot frees is the point, not polling.
        while (pause := max(limiter.delay() for limiter in limiters)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(pause)
        for limiter in limiters:
            limiter.take()


def chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            return int(chat_id)
    return chat_id if isinstance(chat_id, int | str) else None


class PacingRateLimiter(BaseRateLimiter[SendPolicy]):
    """PTB's rate-limiter hook, backed by one shared ``Pacer``; retries 429 up to ``max_retries`` times."""

    def __init__(
        self, pacer: Pacer, max_retries: int = 3, on_rate_limited: Callable[[], None] | None = None
    ) -> None:
        self.pacer = pacer
        self.max_retries = max_retries
        self.on_rate_limited = on_rate_limited

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendPolicy | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        paced = endpoint in SENDS or endpoint in EDITS
        policy = rate_limit_args or SendPolicy(retries=self.max_retries)
        retries = policy.retries
        for attempt in range(retries + 1):
            if paced and policy.paced:
                await self.pacer.wait(chat_of(data), counts_globally=endpoint in SENDS, push=policy.push)
            try:
                return await self._timed(paced, callback(*args, **kwargs))
            except RetryAfter as error:
                if self.on_rate_limited is not None:
                    self.on_rate_limited()
                if attempt == retries:
                    raise
                pause = error._retry_after.total_seconds()  # public retry_after warns about its type
                log.warning("429 on %s: retrying after %.1f s", endpoint, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _timed(self, paced: bool, call: Coroutine[Any, Any, Result]) -> Result:
        """The call's answer; a paced send's duration widens the windows (``Latency``)."""
        started = self.pacer.clock()
        try:
            return await call
        finally:
            if paced:
                self.pacer.latency.observe(self.pacer.clock() - started)
