"""The limiters on a fake clock: a send window that counts until an answer is a second old, and the rest."""

from __future__ import annotations

from bot.telegram.windows import SAFETY_SECONDS, SendWindow, SlidingWindow, Slot, Spacing, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_send_holds_its_slot_until_a_second_after_its_answer() -> None:
    clock = Clock()
    window = SendWindow(2, 1.0, clock)
    first, second = Slot(window), Slot(window)
    window.take()
    window.take()
    assert window.delay() is None  # both in flight: only an answer can free a slot
    clock.now += 0.3
    first.done()
    assert abs(window.delay() - (1.0 + SAFETY_SECONDS)) < 1e-9  # answered at 100.3: counts until 101.31
    clock.now += 1.0
    assert window.delay() is not None and window.delay() > 0
    clock.now += 0.02
    assert window.delay() == 0.0
    second.cancel()  # never sent: given back at once
    assert window.held() == 0


def test_a_slow_answer_keeps_the_window_closed_however_late_the_send_arrived() -> None:
    """Telegram may count a send at any moment until its answer: 30 answers within a second are 30 sends."""
    clock = Clock()
    window = SendWindow(30, 1.0, clock)
    slots = []
    for _ in range(30):
        window.take()
        slots.append(Slot(window))
    clock.now += 0.8  # a slow network: nothing answered yet
    assert window.delay() is None
    for slot in slots:
        slot.done()
    clock.now += 0.9  # 1.7 s after the sends left, but only 0.9 s after their answers
    delay = window.delay()
    assert delay is not None and delay > 0
    assert window.recent() == 30


def test_ending_a_slot_twice_counts_once() -> None:
    clock = Clock()
    window = SendWindow(1, 1.0, clock)
    window.take()
    slot = Slot(window)
    slot.done()
    slot.done()
    slot.cancel()
    assert window.in_flight == 0
    assert window.recent() == 1


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
