"""``kill -9`` in the middle of a fan-out: after a restart nothing is lost, duplicates stay bounded.

The bot runs as a real ``python -m bot run`` process against an in-test emulator, as an operator runs it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bot.emulator import BotApiEmulator, EmulatorLimits
from storage.database import Database
from storage.models import Chat, Subscription, Topic
from tests.articles import article_text
from tests.bot.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHATS = range(5_000_001, 5_000_601)  # 600 readers
CONCURRENCY = 32


def bot_environment(emulator: BotApiEmulator, tmp_path: Path) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "PUSH_"))
    }
    environment.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.root_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        CONTENT_DIR=str(tmp_path / "content"),
        # Raised rates keep the test short; the pacing logic is the same as at Telegram's limits.
        SEND_GLOBAL_PER_SECOND="400",
        PUSH_RATE="300",
        SEND_CHAT_BURST="10",
        PUSH_CONCURRENCY=str(CONCURRENCY),
        PUSH_POLL_SECONDS="0.05",
        WATCH_DEBOUNCE_MS="50",
        LOG_LEVEL="INFO",
        HOST="127.0.0.1",
        PORT="0",
    )
    return environment


def start_bot(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment, stdout=handle, stderr=handle
    )


async def seed_readers(database_url: str) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    async with db.write() as session:
        topic_id = await session.scalar(select(Topic.id).where(Topic.key == "ai"))
        await session.execute(
            insert(Chat),
            [
                {"id": c, "type": "private", "status": "active", "created_at": now, "updated_at": now}
                for c in CHATS
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": c, "thread_id": 0, "topic_id": topic_id, "created_at": now} for c in CHATS],
        )
    await db.close()


def pushes_per_chat(emulator: BotApiEmulator) -> Counter[int]:
    return Counter(m.chat_id for m in emulator.sent() if m.chat_id in CHATS)


async def test_kill_9_during_fanout_loses_nothing(tmp_path: Path) -> None:
    emulator = BotApiEmulator(EmulatorLimits(global_per_second=1_000, chat_burst=100, chat_per_second=100.0))
    await emulator.start()
    content = tmp_path / "content"
    content.mkdir()
    (content / "old.md").write_text(
        article_text(title="Old", url="https://example.com/old", topics=["AI"]), encoding="utf-8"
    )
    environment = bot_environment(emulator, tmp_path)
    log = tmp_path / "bot.log"
    imported = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "import"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    await seed_readers(environment["DATABASE_URL"])
    for chat_id in CHATS:
        emulator.add_chat(chat_id)

    bot = start_bot(environment, log)
    try:
        await emulator.wait_for(lambda: emulator.calls("getUpdates"), timeout=30)
        (content / "news.md").write_text(
            article_text(title="Breaking", url="https://example.com/breaking", topics=["AI"], images=1),
            encoding="utf-8",
        )
        await emulator.wait_for(lambda: sum(pushes_per_chat(emulator).values()) >= 150, timeout=60)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        at_kill = sum(pushes_per_chat(emulator).values())
        assert at_kill < len(CHATS), "the fan-out finished before the kill: raise the reader count"

        bot = start_bot(environment, log)
        await emulator.wait_for(lambda: len(pushes_per_chat(emulator)) == len(CHATS), timeout=90)
        await asyncio.sleep(1.0)  # anything still (wrongly) queued would arrive now
    finally:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=30)
        await emulator.stop()

    counts = pushes_per_chat(emulator)
    lost = [chat for chat in CHATS if counts[chat] == 0]
    duplicates = sum(count - 1 for count in counts.values())
    print(f"kill -9 after {at_kill} pushes: lost {len(lost)}, duplicates {duplicates} (bound {CONCURRENCY})")
    assert lost == []
    assert duplicates <= CONCURRENCY
    assert emulator.violations == []
    assert TOKEN.split(":")[1] not in log.read_text()
