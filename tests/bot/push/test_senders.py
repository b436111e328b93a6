"""Several ``newsbot run --role sender`` processes sharing one queue (PostgreSQL), one only on SQLite.

Real processes against one emulator: an ``--role updates`` process takes the new article from the
content folder, three senders fan it out to 2,000 readers; one sender is killed with ``kill -9`` midway.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.emulator import BotApiEmulator, EmulatorLimits
from storage.db.database import Database
from storage.db.models import Sender
from tests.bot.conftest import TOKEN
from tests.bot.processes import ROOT, drop_news, fanout_fleet

READERS = range(7_000_001, 7_002_001)  # 2,000
GLOBAL_LIMIT = 300  # the emulator's overall limit in this test (Telegram's is 30: same logic, shorter test)
CONCURRENCY = 16
SETTINGS = {
    "SEND_GLOBAL_PER_SECOND": str(GLOBAL_LIMIT),
    "PUSH_RATE": "240",  # shared by the senders: 80/s each while three live
    "PUSH_CONCURRENCY": str(CONCURRENCY),
    "SENDER_LEASE_SECONDS": "2",
}


async def registered_senders(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Sender)) or 0)
    finally:
        await db.close()


async def wait_until_registered(database_url: str, count: int) -> None:
    async with asyncio.timeout(30):
        while await registered_senders(database_url) < count:  # noqa: ASYNC110 - another process writes
            await asyncio.sleep(0.1)


def busiest_second(emulator: BotApiEmulator, chats: range) -> int:
    """The most messages to these chats that arrived within any one second."""
    window: deque[float] = deque()
    most = 0
    for message in sorted((m for m in emulator.sent() if m.chat_id in chats), key=lambda m: m.time):
        window.append(message.time)
        while window[0] <= message.time - 1.0:
            window.popleft()
        most = max(most, len(window))
    return most


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


async def test_three_senders_share_the_queue_and_a_killed_one_loses_nothing(
    database_url: str, on_postgresql: bool, tmp_path: Path
) -> None:
    if not on_postgresql:
        pytest.skip("several senders need PostgreSQL: run pytest --database postgresql://…")
    limits = EmulatorLimits(global_per_second=GLOBAL_LIMIT, chat_burst=3, chat_per_second=1.0)
    async with fanout_fleet(tmp_path, database_url, chats=READERS, limits=limits, **SETTINGS) as fleet:
        emulator = fleet.emulator
        updates = fleet.start_bot("--role", "updates", log=tmp_path / "updates.log")
        senders = [fleet.start_bot("--role", "sender", log=tmp_path / f"sender{i}.log") for i in range(3)]
        try:
            await emulator.wait_for(lambda: emulator.calls("getUpdates"), timeout=30)
            await wait_until_registered(database_url, 3)
            drop_news(fleet.content)
            await emulator.wait_for(lambda: sum(fleet.pushes().values()) >= 500, timeout=60)
            senders[0].send_signal(signal.SIGKILL)
            await asyncio.to_thread(senders[0].wait, 10)
            at_kill = sum(fleet.pushes().values())
            assert at_kill < len(READERS), "the fan-out finished before the kill: raise the reader count"
            await emulator.wait_for(lambda: len(fleet.pushes()) == len(READERS), timeout=90)
            await asyncio.sleep(1.0)  # anything still (wrongly) queued would arrive now
        finally:
            for process in (updates, *senders):
                await asyncio.to_thread(stop, process)
        counts = fleet.pushes()
        violations = emulator.violations
        # getUpdates is left out: PTB's last call at shutdown ends its own abandoned long poll with a 409.
        refused = [
            (c.method, c.status, c.description)
            for c in emulator.calls()
            if c.status >= 400 and c.method != "getUpdates"
        ]
        busiest = busiest_second(emulator, READERS)
    lost = [chat for chat in READERS if counts[chat] == 0]
    duplicates = sum(count - 1 for count in counts.values())
    print(
        f"3 senders, one killed after {at_kill} pushes: lost {len(lost)}, duplicates {duplicates} "
        f"(bound {CONCURRENCY}), busiest second {busiest} (limit {GLOBAL_LIMIT})"
    )
    assert lost == []
    assert duplicates <= CONCURRENCY
    assert violations == []
    assert refused == []
    assert busiest <= GLOBAL_LIMIT
    for process in (updates, *senders[1:]):
        assert process.returncode == 0
    logs = "".join(path.read_text() for path in sorted(tmp_path.glob("*.log")))  # noqa: ASYNC240
    assert "Traceback" not in logs
    assert TOKEN.split(":")[1] not in logs


@pytest.mark.sqlite_only
async def test_sqlite_refuses_a_second_sender_with_a_clear_message(database_url: str, tmp_path: Path) -> None:
    async with fanout_fleet(tmp_path, database_url) as fleet:
        first = fleet.start_bot("--role", "sender", log=tmp_path / "first.log")
        try:
            await wait_until_registered(database_url, 1)
            second = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bot", "run", "--role", "sender"],
                cwd=ROOT,
                env=fleet.environment,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            await asyncio.to_thread(stop, first)
    assert second.returncode == 2
    assert "SQLite allows one sending process, and another one is running" in second.stderr
    assert "--role updates" in second.stderr and "PostgreSQL" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0
