"""Pacing every message the bot sends, so Telegram never has to answer 429.

Telegram's limits, as enforced (and as the emulator enforces them):
  - at most 30 messages in any trailing second across all chats;
  - per private chat about one message a second, with short bursts allowed;
  - at most 20 messages a minute per group or channel.

One budget, two classes. Every send of the process takes a slot in one ``SendWindow`` (30 in any second,
counted the way Telegram can count them: windows.py). Replies to readers come first: while one waits for a
slot, no push takes one. Pushes take every slot the replies leave, evenly spaced so that a reply never
finds a whole second's worth of pushes ahead of it; ``PUSH_RATE`` only caps them when set. A 429 pauses
every send for its ``retry_after`` and lowers the rate for a while (adaptive.py). With paid broadcast the
window is Telegram's 1,000 a second and the sends that are not pushes stay within the free 30.

PTB's ``AIORateLimiter`` is a leaky bucket that lets 30 through at once, does not pace private chats and
only pauses the chat that drew a 429; ``PacingRateLimiter`` is the hook through which PTB uses this pacer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.adaptive import AdaptiveRate
from bot.telegram.windows import Clock, Latency, SendWindow, SlidingWindow, Slot, Spacing, TokenBucket

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]

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
MAX_TRACKED_CHATS = 50_000
# A wait that only an answer still in flight can end looks again after this long at the latest.
RECHECK_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class PacingLimits:
    global_per_second: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    # An optional cap on pushes (``PUSH_RATE``); without it pushes use every slot replies leave.
    push_per_second: float | None = None
    # Paid broadcast (opt-in): pushes carry ``allow_paid_broadcast`` and may go at up to this many a
    # second overall; the other sends stay within ``global_per_second``.
    paid_broadcast_per_second: int | None = None


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """Passed as PTB's ``rate_limit_args``: how one call is paced and retried."""

    retries: int = 3
    push: bool = False
    paced: bool = True  # False: the caller holds its slot and ends it (the delivery worker does)


class Pacer:
    """Waits until every limiter that applies to a message has room, then hands out its ``Slot``."""

    def __init__(self, limits: PacingLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        paid = limits.paid_broadcast_per_second
        self.ceiling = float(limits.global_per_second if paid is None else paid)
        # Every send counts in ``overall``; without paid broadcast that is Telegram's free 30/s and the
        # same window as ``free``. With it, ``overall`` is the paid limit and replies also count in ``free``.
        self.free = SendWindow(limits.global_per_second, 1.0, clock)
        self.overall = self.free if paid is None else SendWindow(paid, 1.0, clock)
        self.free.on_change = self.overall.on_change = self._notify
        self.adaptive = AdaptiveRate(self.ceiling, clock)
        self.pushes = Spacing(self.ceiling, clock)
        self.push_cap = limits.push_per_second
        # With a cap (PUSH_RATE), pushes also hold a slot in a window of their own: the cap is exact in any
        # second, as Telegram's limit is; the spacing only smooths them.
        self.capped = SendWindow(1, 1.0, clock)
        self.capped.on_change = self._notify
        self.latency = Latency()  # widens the group windows, which count from departure
        self._chats: OrderedDict[int | str, SlidingWindow | TokenBucket] = OrderedDict()
        self._replies_waiting = 0
        self._pushes_waiting = 0
        self._last_push = -math.inf
        self._replies: deque[float] = deque(maxlen=10_000)  # when recent replies took their slots
        self._changed: asyncio.Event | None = None

    def set_share(self, sends: float, pushes: float | None = None) -> None:
        """This process's part of the deployment's budget: ``sends`` a second in all, of which at most
        ``pushes`` are pushes (None: no cap). Several processes share it (bot/push/budget.py)."""
        self.adaptive.set_ceiling(min(sends, self.ceiling))
        self.push_cap = pushes

    def pause_for(self, seconds: float) -> None:
        """Another sender sharing the budget drew a 429: every send here waits too."""
        self.adaptive.paused_until = max(self.adaptive.paused_until, self.clock() + seconds)

    def rate_limited(self, retry_after: float) -> None:
        """Telegram answered 429: everything waits ``retry_after``, then goes slower for a while."""
        # The rate that drew it: sends answered within the last second, and those still out (this one too).
        attempted = self.overall.recent() + self.overall.in_flight
        if self.adaptive.rate_limited(retry_after, attempted):  # the other processes read it at their beat
            log.warning(
                "429 from Telegram: every send waits %.1f s, then at most %.0f a second for a while",
                retry_after,
                self.adaptive.rate,
            )

    @property
    def pushing(self) -> bool:
        """Whether pushes are waiting for slots or one took a slot within the last two seconds."""
        return self._pushes_waiting > 0 or self.clock() - self._last_push < 2.0

    def reply_rate(self, seconds: float = 5.0) -> float:
        """Sends a second that were not pushes, over the last ``seconds``."""
        now = self.clock()
        while self._replies and self._replies[0] <= now - seconds:
            self._replies.popleft()
        return len(self._replies) / seconds

    @property
    def push_rate(self) -> float:
        """Pushes a second the process may make now: the rate, or ``PUSH_RATE``'s share when lower."""
        rate = self.adaptive.current()
        return rate if self.push_cap is None else min(self.push_cap, rate)

    @property
    def rate(self) -> float:
        """Sends a second the process may make now (the ceiling unless a 429 lowered it)."""
        return self.adaptive.current()

    def _sync_limits(self) -> None:
        rate = self.adaptive.current()
        self.overall.limit = max(1, math.floor(rate))
        if self.free is not self.overall:
            self.free.limit = max(1, math.floor(min(rate, self.limits.global_per_second)))
        self.pushes.rate = max(0.01, self.push_rate)
        self.capped.limit = max(1, math.floor(self.push_rate))

    def _chat(self, chat_id: int | str) -> SlidingWindow | TokenBucket:
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

    def _windows(self, push: bool) -> tuple[SendWindow, ...]:
        if push:
            return (self.overall,) if self.push_cap is None else (self.overall, self.capped)
        return (self.overall,) if self.free is self.overall else (self.overall, self.free)

    def _delay(self, chat_id: int | str | None, counts_globally: bool, push: bool) -> float | None:
        """Seconds until the message may go: 0 now, ``None`` when it waits for a slot to be handed back."""
        delays: list[float | None] = [self.adaptive.pause()]
        if chat_id is not None:
            delays.append(self._chat(chat_id).delay())
        if counts_globally:
            self._sync_limits()
            delays.extend(window.delay() for window in self._windows(push))
            if push:
                delays.append(self.pushes.delay())
                if self._replies_waiting:
                    delays.append(None)  # replies first
        known = max((d for d in delays if d is not None), default=0.0)
        return None if known == 0.0 and None in delays else known

    def delay(self, chat_id: int | str | None, *, counts_globally: bool = True, push: bool = False) -> float:
        """Seconds until a message to ``chat_id`` may go (0: now; a guess when a slot must come back)."""
        pause = self._delay(chat_id, counts_globally, push)
        return RECHECK_SECONDS if pause is None else pause

    def chat_delay(self, chat_id: int | str) -> float:
        """Seconds until this chat's own limit lets another message through."""
        return self._chat(chat_id).delay()

    async def wait(
        self, chat_id: int | str | None, *, counts_globally: bool = True, push: bool = False
    ) -> Slot:
        """Wait for room, then take it; end the returned slot when Telegram's answer is back."""
        queued = False  # a reply counted as waiting for a global slot (pushes give way meanwhile)
        if push:
            self._pushes_waiting += 1
        try:
            while (pause := self._delay(chat_id, counts_globally, push)) != 0.0:
                mine = chat_id is None or self._chat(chat_id).delay() == 0.0  # not its chat's own limit
                if counts_globally and not push and not queued and mine:
                    queued = True
                    self._replies_waiting += 1
                await self._sleep(pause)
        finally:
            if queued:
                self._replies_waiting -= 1
            if push:
                self._pushes_waiting -= 1
        if chat_id is not None:
            self._chat(chat_id).take()
        if not counts_globally:
            return Slot()
        if push:
            self.pushes.take()
            self._last_push = self.clock()
        else:
            self._replies.append(self.clock())
        windows = self._windows(push)
        for window in windows:
            window.take()
        if queued:
            self._notify()  # pushes held back for this reply look again
        return Slot(*windows)

    async def _sleep(self, pause: float | None) -> None:
        """Sleep ``pause`` seconds, or until a slot is handed back or a reply got its slot."""
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), RECHECK_SECONDS if pause is None else pause)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None


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
            slot = Slot()
            if paced and (policy.paced or attempt > 0):
                slot = await self.pacer.wait(
                    chat_of(data), counts_globally=endpoint in SENDS, push=policy.push
                )
            started = self.pacer.clock()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                pause = error._retry_after.total_seconds()  # public retry_after warns about its type
                self.pacer.rate_limited(pause)
                if self.on_rate_limited is not None:
                    self.on_rate_limited()
                if attempt == retries:
                    raise
                log.warning("429 on %s: retrying after %.1f s", endpoint, pause)
                if not paced:
                    await asyncio.sleep(pause)  # a paced retry waits in the pacer, with every other send
            finally:
                slot.done()
                if paced:
                    self.pacer.latency.observe(self.pacer.clock() - started)
        raise AssertionError("unreachable: the last attempt returns or raises")
