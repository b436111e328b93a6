"""Flood limits with a controlled clock: trailing windows, chat buckets, honest retry_after."""

from __future__ import annotations

from bot.emulator.limits import EmulatorLimits, RateLimiter
from tests.bot.emulator.fakes import FakeClock


def _send(limiter: RateLimiter, chat: int, *, private: bool = True, counts_global: bool = True) -> int | None:
    wait = limiter.retry_after(chat, private=private, counts_global=counts_global)
    if wait is None:
        limiter.record(chat, private=private, counts_global=counts_global)
    return wait


def test_30_sends_in_a_second_then_the_31st_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    assert [_send(limiter, chat) for chat in range(1, 31)] == [None] * 30
    assert _send(limiter, 31) == 1
    assert _send(limiter, 31) == 1  # a refused call consumes nothing
    clock.advance(0.999)
    assert _send(limiter, 31) == 1
    clock.advance(0.001)
    assert _send(limiter, 31) is None
    assert limiter.max_sends_per_second == 30


def test_trailing_window_not_calendar_seconds() -> None:
    clock = FakeClock(10.9)
    limiter = RateLimiter(EmulatorLimits(), clock)
    for chat in range(1, 31):
        assert _send(limiter, chat) is None
    clock.advance(0.2)  # second 11 starts, but the window still holds 30 sends
    assert _send(limiter, 99) == 1


def test_private_chat_allows_a_burst_then_one_a_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    assert [_send(limiter, 7) for _ in range(4)] == [None] * 4
    assert _send(limiter, 7) == 1
    clock.advance(0.5)
    assert _send(limiter, 7) == 1
    clock.advance(0.5)
    assert _send(limiter, 7) is None
    assert _send(limiter, 7) == 1
    assert _send(limiter, 8) is None  # other chats are not affected


def test_group_20_a_minute_with_honest_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    for _ in range(20):
        assert _send(limiter, -100, private=False) is None
        clock.advance(1.0)
    clock.now = 1030.0
    assert _send(limiter, -100, private=False) == 30  # the first send (t=1000) frees its slot at t=1060
    clock.now = 1060.0
    assert _send(limiter, -100, private=False) is None


def test_edits_count_per_chat_but_not_globally() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    for _ in range(4):
        assert _send(limiter, 5, counts_global=False) is None
    assert _send(limiter, 5, counts_global=False) == 1
    for chat in range(100, 130):
        assert _send(limiter, chat) is None
    assert limiter.max_sends_per_second == 30


def test_disabled_limits_refuse_nothing_but_still_count() -> None:
    limiter = RateLimiter(EmulatorLimits(enabled=False), FakeClock())
    assert all(_send(limiter, 1) is None for _ in range(100))
    assert limiter.max_sends_per_second == 100
    assert limiter.max_sends_per_second_by_chat == {1: 100}


def test_paid_broadcast_lifts_the_global_limit() -> None:
    limiter = RateLimiter(EmulatorLimits(), FakeClock())
    for chat in range(1, 31):
        _send(limiter, chat)
    assert limiter.retry_after(50, private=True, counts_global=True, paid=True) is None
