"""``kill -9`` in the middle of a fan-out: after a restart nothing is lost, duplicates stay bounded.

The bot runs as a real ``python -m bot run`` process against an in-test emulator, as an operator runs it.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.bot.conftest import TOKEN
from tests.bot.processes import CHATS, CONCURRENCY, drop_news, fanout_fleet


async def test_kill_9_during_fanout_loses_nothing(database_url: str, tmp_path: Path) -> None:
    async with fanout_fleet(tmp_path, database_url) as fleet:
        emulator = fleet.emulator
        bot = fleet.start_bot()
        try:
            await emulator.wait_for(lambda: emulator.calls("getUpdates"), timeout=30)
            drop_news(fleet.content)
            await emulator.wait_for(lambda: sum(fleet.pushes().values()) >= 150, timeout=60)
            bot.send_signal(signal.SIGKILL)
            await asyncio.to_thread(bot.wait, 10)
            at_kill = sum(fleet.pushes().values())
            assert at_kill < len(CHATS), "the fan-out finished before the kill: raise the reader count"

            bot = fleet.start_bot()
            await emulator.wait_for(lambda: len(fleet.pushes()) == len(CHATS), timeout=90)
            await asyncio.sleep(1.0)  # anything still (wrongly) queued would arrive now
        finally:
            if bot.poll() is None:
                bot.send_signal(signal.SIGTERM)
                await asyncio.to_thread(bot.wait, 30)
        counts = fleet.pushes()
        violations = emulator.violations
    lost = [chat for chat in CHATS if counts[chat] == 0]
    duplicates = sum(count - 1 for count in counts.values())
    print(f"kill -9 after {at_kill} pushes: lost {len(lost)}, duplicates {duplicates} (bound {CONCURRENCY})")
    assert lost == []
    assert duplicates <= CONCURRENCY
    assert violations == []
    assert TOKEN.split(":")[1] not in fleet.log.read_text()
