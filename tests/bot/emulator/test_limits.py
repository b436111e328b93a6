"""Flood limits with a controlled clock: trailing windows, chat buckets, honest retry_after."""

from __future__ import annotations

from bot.emulator.limits import EmulatorLimits, RateLimiter
from tests.bot.emulator.fakes import FakeClock


def _send(
    limiter: RateLimiter, chat: int, *, private: bool = True, counts_global: bool = True, paid: bool = False
) -> int | None:
    wait = limiter.retry_after(chat, private=private, counts_global=counts_global, paid=paid)
    if wait is None:
        limiter.record(chat, private=private, counts_global=counts_global, paid=paid)
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


def test_paid_broadcast_goes_to_1000_a_second_and_pays_beyond_the_free_30() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    assert [_send(limiter, chat, paid=True) for chat in range(1, 31)] == [None] * 30
    assert (limiter.paid_messages, limiter.stars_spent) == (0, 0)  # within the free rate: no charge
    assert [_send(limiter, chat, paid=True) for chat in range(31, 1001)] == [None] * 970
    assert (limiter.paid_messages, limiter.stars_spent) == (970, 97)
    assert _send(limiter, 1001, paid=True) == 1  # the 1001st in the same second
    assert _send(limiter, 1001) == 1  # and a free send sees a full second too
    assert limiter.paid_messages == 970  # a refused call costs nothing
    assert limiter.max_sends_per_second == 1000
    clock.advance(1.0)
    assert _send(limiter, 1001, paid=True) is None
    assert limiter.paid_messages == 970  # a fresh second: free again


def test_paid_messages_are_those_beyond_30_including_free_sends() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    for chat in range(1, 21):
        assert _send(limiter, chat) is None
    for chat in range(21, 36):
        assert _send(limiter, chat, paid=True) is None
    assert limiter.paid_messages == 5  # sends 31 to 35 of this second
    assert str(limiter.stars_spent) == "1/2"
    clock.advance(0.5)
    assert _send(limiter, 99) == 1  # free sends still wait for the window to drop below 30
    clock.advance(0.5)
    assert _send(limiter, 99) is None


def test_paid_broadcast_keeps_the_per_chat_limits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    assert [_send(limiter, 7, paid=True) for _ in range(4)] == [None] * 4
    assert _send(limiter, 7, paid=True) == 1
    for _ in range(20):
        assert _send(limiter, -100, private=False, paid=True) is None
        clock.advance(1.0)
    clock.now = 1030.0
    assert _send(limiter, -100, private=False, paid=True) == 30


def test_paid_messages_are_charged_with_limits_off() -> None:
    limiter = RateLimiter(EmulatorLimits(enabled=False), FakeClock())
    assert all(_send(limiter, chat, paid=True) is None for chat in range(1, 1101))
    assert (limiter.paid_messages, limiter.stars_spent) == (1070, 107)


def test_the_peak_is_of_any_trailing_second_not_of_calendar_seconds() -> None:
    clock = FakeClock(10.5)
    limiter = RateLimiter(EmulatorLimits(enabled=False), clock)
    for chat in range(20):  # 10.5 … 10.975
        _send(limiter, chat)
        clock.advance(0.025)
    for chat in range(20, 40):  # 11.0 … 11.475: no calendar second holds more than 20
        _send(limiter, chat)
        clock.advance(0.025)
    assert limiter.max_sends_per_second == 40
    clock.advance(1.0)
    _send(limiter, 99)
    assert limiter.max_sends_per_second == 40  # a peak is kept once the window has moved on


def test_a_lowered_limit_applies_to_the_sends_already_in_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(EmulatorLimits(), clock)
    for chat in range(1, 11):
        assert _send(limiter, chat) is None
        clock.advance(0.05)  # sends at 1000.00 … 1000.45
    limiter.limits = EmulatorLimits(global_per_second=10)
    assert _send(limiter, 11) == 1  # the first of the ten frees its slot at 1001.0
    clock.now = 1001.0
    assert _send(limiter, 11) is None
    assert _send(limiter, 12) == 1
