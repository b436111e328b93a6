"""One send budget, end to end: the real bot against the emulator with Telegram's limits on.

Replies and pushes share Telegram's 30 a second: a fan-out uses what replies leave and never draws a 429;
when Telegram lowers its limit mid fan-out, every send waits out each 429 and the rate adapts.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.emulator import BotApiEmulator, CallRecord, EmulatorLimits
from bot.telegram.pacing import SENDS
from tests.bot.pushes import Clock, Pushes, seed_followers, start_pushes

WAIT = 60.0


def inside_a_pause(calls: list[CallRecord]) -> int:
    """Send calls that reached Telegram strictly inside the retry_after of an earlier 429."""
    pauses = []
    for call in calls:
        if call.status == 429 and (found := re.search(r"retry after (\d+)", call.description or "")):
            pauses.append((call.time, call.time + int(found.group(1))))
    sends = [call.time for call in calls if call.method in SENDS]
    return sum(1 for sent in sends if any(start < sent < end for start, end in pauses))


async def fan_out(setup: Pushes, readers: range, name: str) -> None:
    await seed_followers(setup, readers, "ai")
    setup.drop(f"{name}.md", title=name.title(), url=f"https://example.com/{name}", topics=["AI"])


async def test_replies_share_the_budget_with_a_fan_out_and_telegram_never_refuses(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    emulator = BotApiEmulator(EmulatorLimits())  # Telegram's: 30 a second, bursts per chat, 20/min a group
    await emulator.start()
    setup = await start_pushes(emulator, tmp_path, database_url, clock)
    readers = range(3000, 3240)
    talkers = range(4000, 4010)
    try:
        await fan_out(setup, readers, "shared")
        await emulator.wait_for(lambda: len(emulator.sent()) >= 30, timeout=WAIT)  # the fan-out runs
        for round_ in range(3):
            for chat_id in talkers:
                await emulator.inject_message(chat_id, "/latest" if round_ % 2 else "/topics")
            await asyncio.sleep(1.0)
        await setup.wait_pushes(dict.fromkeys(readers, 1))
        await emulator.wait_for(lambda: all(len(emulator.sent(c)) >= 3 for c in talkers), timeout=WAIT)
        stats = emulator.stats()
        assert stats["statuses"]["429"] == 0
        assert stats["max_sends_per_second"] <= 30
        assert all(len(setup.pushes(chat)) == 1 for chat in readers)
        assert emulator.violations == []
    finally:
        await setup.runtime.stop()
        await emulator.stop()


async def test_a_limit_lowered_mid_fan_out_is_waited_out_and_the_rate_adapts(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    emulator = BotApiEmulator(EmulatorLimits(global_per_second=60, chat_burst=10, chat_per_second=10.0))
    await emulator.start()
    setup = await start_pushes(
        emulator, tmp_path, database_url, clock, send_global_per_second=60, send_chat_burst=10
    )
    setup.expected_refusals.add(429)
    readers = range(5000, 5360)
    try:
        await fan_out(setup, readers, "lowered")
        await emulator.wait_for(lambda: len(emulator.sent()) >= 100, timeout=WAIT)
        emulator.set_limits(global_per_second=20)  # Telegram distrusts the bot for a while
        lowered_at = len(emulator.calls())
        await emulator.wait_for(lambda: len(emulator.sent()) >= 220, timeout=WAIT)
        lowered = emulator.calls()[lowered_at:]
        emulator.set_limits(global_per_second=60)
        await setup.wait_pushes(dict.fromkeys(readers, 1))
        await setup.settle()
        calls = emulator.calls()
        assert 1 <= sum(1 for call in lowered if call.status == 429) <= 3
        assert inside_a_pause(calls) <= 1  # one may have been on its way as the 429 came back
        assert all(len(setup.pushes(chat)) == 1 for chat in readers)  # nothing lost, nothing twice
        assert emulator.violations == []
    finally:
        await setup.runtime.stop()
        await emulator.stop()
