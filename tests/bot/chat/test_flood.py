"""Flood control: the limit per minute, one warning, then silence until the window frees."""

from __future__ import annotations

from bot.chat.flood import FloodGate, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_warns_once_then_ignores_until_the_minute_passes() -> None:
    clock = Clock()
    gate = FloodGate(3, 60.0, clock)
    assert [gate.check(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert gate.check(1) is Verdict.WARN
    assert gate.check(1) is Verdict.IGNORE
    assert gate.check(2) is Verdict.ALLOW  # another chat
    clock.now = 60.5
    assert gate.check(1) is Verdict.ALLOW
    assert [gate.check(1) for _ in range(2)] == [Verdict.ALLOW] * 2
    assert gate.check(1) is Verdict.WARN  # a new warning for a new flood


def test_idle_chats_are_forgotten() -> None:
    clock = Clock()
    gate = FloodGate(1, 60.0, clock)
    for chat in range(2_000):
        gate.check(chat)
    clock.now = 120.0
    for _ in range(1_000):
        gate.check(5_000)
    assert len(gate._recent) < 100
