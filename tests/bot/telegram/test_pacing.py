"""Pacing with a fake clock: exact windows, per-chat buckets, evenly spaced pushes."""

from __future__ import annotations

from bot.telegram.pacing import (
    SAFETY_SECONDS,
    Pacer,
    PacingLimits,
    SlidingWindow,
    Spacing,
    TokenBucket,
    chat_of,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_the_limit_in_any_trailing_period() -> None:
    clock = Clock()
    window = SlidingWindow(3, 1.0, clock)
    for _ in range(3):
        assert window.delay() == 0
        window.take()
    assert abs(window.delay() - (1.0 + SAFETY_SECONDS)) < 1e-9
    clock.now += 0.5
    assert abs(window.delay() - (0.5 + SAFETY_SECONDS)) < 1e-9
    clock.now += 0.6
    assert window.delay() == 0


def test_token_bucket_bursts_then_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(1.0, 3, clock)
    for _ in range(3):
        assert bucket.delay() == 0
        bucket.take()
    assert bucket.delay() > 0.99
    clock.now += 1.0
    assert bucket.delay() == 0
    bucket.take()
    assert bucket.delay() > 0.99


def test_spacing_never_bursts() -> None:
    clock = Clock()
    spacing = Spacing(25, clock)
    spacing.take()
    assert abs(spacing.delay() - 0.04) < 1e-9
    clock.now += 1.0  # idle time does not build up credit for a burst
    spacing.take()
    assert abs(spacing.delay() - 0.04) < 1e-9


def test_pacer_limits_private_chats_groups_and_pushes() -> None:
    clock = Clock()
    pacer = Pacer(
        PacingLimits(global_per_second=30, chat_per_second=1.0, chat_burst=2, push_per_second=25), clock
    )
    assert pacer.delay(7) == 0
    pacer.overall.take()
    pacer._chat(7).take()
    pacer._chat(7).take()
    assert pacer.chat_delay(7) > 0.9  # the private chat's burst is spent
    assert pacer.chat_delay(8) == 0  # other chats are not affected
    for _ in range(20):
        pacer._chat(-100).take()
    assert pacer.chat_delay(-100) > 59  # 20 a minute in a group
    pacer.pushes.take()
    assert pacer.delay(None, push=True) > 0  # pushes are spaced
    assert pacer.delay(None) == 0  # a reply is not held back by the push spacing


def test_chat_of_reads_ids_as_ptb_sends_them() -> None:
    assert chat_of({"chat_id": 5}) == 5
    assert chat_of({"chat_id": "-100"}) == -100
    assert chat_of({"chat_id": "@channel"}) == "@channel"
    assert chat_of({}) is None


def sends_in_one_second(pacer: Pacer, clock: Clock, *, push: bool, chats: int = 2_000) -> int:
    """How many sends, each to a new private chat, the pacer lets through within one second."""
    start, sent = clock.now, 0
    for chat in range(1, chats + 1):
        while (pause := pacer.delay(chat, push=push)) > 0:
            clock.now += pause
        if clock.now - start >= 1.0:
            break
        for limiter in pacer._limiters(chat, True, push):
            limiter.take()
        sent += 1
    return sent


def test_a_senders_share_sets_its_push_spacing() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30, push_per_second=24), clock)
    assert sends_in_one_second(pacer, clock, push=True) == 24
    pacer.set_push_rate(8)  # three senders share 24/s
    clock.now += 5
    assert sends_in_one_second(pacer, clock, push=True) == 8
    pacer.set_push_rate(500)  # never above the overall limit
    clock.now += 5
    assert sends_in_one_second(pacer, clock, push=True) == 30


def test_paid_broadcast_lifts_pushes_to_1000_and_keeps_replies_at_the_free_rate() -> None:
    clock = Clock()
    limits = PacingLimits(global_per_second=30, push_per_second=900, paid_broadcast_per_second=1000)
    pacer = Pacer(limits, clock)
    assert sends_in_one_second(pacer, clock, push=True) == 900
    clock.now += 5
    assert sends_in_one_second(pacer, clock, push=False) == 30
    free = Pacer(PacingLimits(global_per_second=30, push_per_second=900), clock)
    clock.now += 5
    assert sends_in_one_second(free, clock, push=True) == 30  # without it, 30/s is the ceiling


def test_slow_sends_widen_the_windows_so_late_arrivals_never_bunch() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30), clock)
    assert abs(pacer.overall.period - (1.0 + SAFETY_SECONDS)) < 1e-9
    pacer.latency.observe(0.3)  # a send took 300 ms: it may have reached Telegram that late
    assert abs(pacer.overall.period - 1.3) < 1e-9
    for _ in range(30):
        pacer.overall.take()
    clock.now += 1.1
    assert pacer.delay(None) > 0.19  # the 31st waits for the widened window
    pacer.latency.observe(5.0)
    assert pacer.overall.period == 2.0  # capped: a stuck request does not stop the bot for long
