"""After a 429: cut at once, climb back below the rate that drew it, probe above it ever more rarely."""

from __future__ import annotations

from bot.telegram.adaptive import CUT, PROBE_WAIT, AdaptiveRate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run(rate: AdaptiveRate, clock: Clock, seconds: int, limit: float) -> int:
    """Seconds pass; each second at a rate above ``limit`` draws a 429 (retry_after 1). Returns the 429s."""
    limited = 0
    for _ in range(seconds):
        clock.now += 1.0
        current = rate.current()
        if current > limit and rate.pause() == 0:
            rate.rate_limited(1.0, achieved=min(current, limit + 1))
            limited += 1
    return limited


def test_a_429_pauses_everything_and_cuts_the_rate() -> None:
    clock = Clock()
    rate = AdaptiveRate(30, clock)
    assert rate.rate_limited(2.0, achieved=29)
    assert rate.pause() == 2.0
    assert rate.current() == int(29 * CUT)
    clock.now += 0.1
    assert not rate.rate_limited(2.0, achieved=29)  # already on its way when the first came: one event
    assert rate.limited == 1
    assert rate.current() == int(29 * CUT)


def test_a_lowered_limit_costs_a_few_429s_then_the_rate_holds_just_below_it() -> None:
    clock = Clock()
    rate = AdaptiveRate(30, clock)
    rate.rate_limited(1.0, achieved=29)  # Telegram lowered its limit to 10 a second
    limited = 1 + run(rate, clock, 40, limit=10)
    assert limited <= 3  # the first, the one that found the new limit, one failed probe
    assert 9 <= rate.current() <= 10
    # Probing goes on, ever more rarely: 10 minutes at the lowered limit draw only a few more.
    assert run(rate, clock, 600, limit=10) <= 6


def test_once_the_limit_is_back_the_rate_climbs_to_the_ceiling() -> None:
    clock = Clock()
    rate = AdaptiveRate(30, clock)
    rate.rate_limited(1.0, achieved=29)
    run(rate, clock, 30, limit=10)
    run(rate, clock, int(PROBE_WAIT * 4) + 10, limit=30)
    assert rate.current() == 30
    assert rate.known_limit is None


def test_without_429s_the_rate_stays_at_the_ceiling_and_follows_a_new_share() -> None:
    clock = Clock()
    rate = AdaptiveRate(30, clock)
    clock.now += 100
    assert rate.current() == 30
    rate.set_ceiling(10)
    assert rate.current() == 10
    rate.set_ceiling(20)
    assert rate.current() == 20
