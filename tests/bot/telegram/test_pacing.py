"""The pacer: one budget shared by replies (first) and pushes (the rest), per-chat limits, 429 pauses."""

from __future__ import annotations

import asyncio
import time

from bot.telegram.pacing import Pacer, PacingLimits, chat_of


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def sends_in_one_second(pacer: Pacer, clock: Clock, *, push: bool, chats: int = 2_000) -> int:
    """How many sends, each to a new private chat and answered at once, go out within one second."""
    start, sent = clock.now, 0
    for chat in range(1, chats + 1):
        while (pause := pacer.delay(chat, push=push)) > 0:
            clock.now += pause
        if clock.now - start >= 1.0 - 1e-9:
            break
        slot = asyncio.run(pacer.wait(chat, push=push))  # no wait: the delay is 0
        slot.done()
        sent += 1
    return sent


def test_pacer_limits_private_chats_and_groups() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30, chat_per_second=1.0, chat_burst=2), clock)
    assert pacer.delay(7) == 0
    pacer._chat(7).take()
    pacer._chat(7).take()
    assert pacer.chat_delay(7) > 0.9  # the private chat's burst is spent
    assert pacer.chat_delay(8) == 0  # other chats are not affected
    for _ in range(20):
        pacer._chat(-100).take()
    assert pacer.chat_delay(-100) > 59  # 20 a minute in a group


def test_pushes_alone_use_the_whole_budget_evenly_spaced() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30), clock)
    assert sends_in_one_second(pacer, clock, push=True) == 30
    clock.now += 5
    slot = asyncio.run(pacer.wait(1, push=True))
    slot.done()
    assert 0.03 < pacer.delay(2, push=True) < 0.04  # the next push: a thirtieth of a second later
    assert pacer.delay(3) == 0  # a reply is not held back by the push spacing


def test_push_rate_caps_pushes_only_when_set() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30, push_per_second=10), clock)
    assert sends_in_one_second(pacer, clock, push=True) == 10
    clock.now += 5
    assert sends_in_one_second(pacer, clock, push=False) == 30


def test_a_share_of_the_budget_limits_the_whole_process() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30), clock)
    pacer.set_share(10)  # three senders share 30/s
    assert sends_in_one_second(pacer, clock, push=True) == 10
    clock.now += 5
    pacer.set_share(15, pushes=5)
    assert sends_in_one_second(pacer, clock, push=True) == 5
    clock.now += 5
    pacer.set_share(500)  # never above Telegram's limit
    assert sends_in_one_second(pacer, clock, push=False) == 30


def test_paid_broadcast_lifts_pushes_to_1000_and_keeps_replies_at_the_free_rate() -> None:
    clock = Clock()
    limits = PacingLimits(global_per_second=30, paid_broadcast_per_second=1000)
    pacer = Pacer(limits, clock)
    assert sends_in_one_second(pacer, clock, push=True, chats=5_000) == 1000
    clock.now += 5
    assert sends_in_one_second(pacer, clock, push=False) == 30
    free = Pacer(PacingLimits(global_per_second=30), clock)
    clock.now += 5
    assert sends_in_one_second(free, clock, push=True) == 30  # without it, 30/s is the ceiling


def test_a_429_pauses_every_send_then_lowers_the_rate() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30), clock)
    assert sends_in_one_second(pacer, clock, push=True) == 30
    pacer.rate_limited(3.0)
    assert pacer.delay(1, push=True) >= 2.9
    assert pacer.delay(2) >= 2.9  # replies too
    assert pacer.delay(3, counts_globally=False) >= 2.9  # and edits
    clock.now += 3.0
    assert sends_in_one_second(pacer, clock, push=True) < 30  # slower for a while


def test_another_senders_429_pauses_this_one() -> None:
    clock = Clock()
    pacer = Pacer(PacingLimits(global_per_second=30), clock)
    pacer.pause_for(2.0)
    assert pacer.delay(1) >= 1.9
    assert pacer.rate == 30  # the rate is that sender's to lower: its share follows


def test_a_push_gives_way_while_a_reply_waits_for_a_slot() -> None:
    async def scenario() -> None:
        pacer = Pacer(PacingLimits(global_per_second=2), time.monotonic)
        held = [await pacer.wait(1), await pacer.wait(2)]  # the whole budget is in flight
        reply = asyncio.create_task(pacer.wait(3))
        await asyncio.sleep(0.05)
        assert not reply.done()
        held[0].cancel()  # a slot comes back (nothing was sent)
        assert pacer.delay(4) == 0  # a reply could go now
        assert pacer.delay(5, push=True) > 0  # a push may not: the waiting reply has the slot
        (await asyncio.wait_for(reply, 1)).done()
        held[1].cancel()
        assert pacer.delay(5, push=True) == 0  # no reply waits: the slot is the push's

    asyncio.run(scenario())


def test_chat_of_reads_ids_as_ptb_sends_them() -> None:
    assert chat_of({"chat_id": 5}) == 5
    assert chat_of({"chat_id": "-100"}) == -100
    assert chat_of({"chat_id": "@channel"}) == "@channel"
    assert chat_of({}) is None
