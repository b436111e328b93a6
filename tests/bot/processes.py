"""A real ``python -m bot run`` process, 600 readers and an in-test emulator: for crash and stop tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bot.emulator import BotApiEmulator, EmulatorLimits
from storage.db.database import Database
from storage.db.models import Chat, Subscription, Topic
from tests.articles import article_text
from tests.bot.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHATS = range(5_000_001, 5_000_601)  # 600 readers
CONCURRENCY = 32


def bot_environment(emulator: BotApiEmulator, tmp_path: Path, database_url: str) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "PUSH_"))
    }
    environment.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.root_url,
        DATABASE_URL=database_url,
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


def start_bot(environment: dict[str, str], log: Path, *arguments: str) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=handle,
        stderr=handle,
    )


async def seed_readers(database_url: str, chats: range = CHATS) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    async with db.write() as session:
        topic_id = await session.scalar(select(Topic.id).where(Topic.key == "ai"))
        await session.execute(
            insert(Chat),
            [
                {"id": c, "type": "private", "status": "active", "created_at": now, "updated_at": now}
                for c in chats
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": c, "thread_id": 0, "topic_id": topic_id, "created_at": now} for c in chats],
        )
    await db.close()


def pushes_per_chat(emulator: BotApiEmulator, chats: range = CHATS) -> Counter[int]:
    return Counter(m.chat_id for m in emulator.sent() if m.chat_id in chats)


@dataclass
class Fleet:
    """An emulator that knows the readers, a content folder with its baseline, and the bot's settings."""

    emulator: BotApiEmulator
    environment: dict[str, str]
    content: Path
    log: Path
    chats: range = CHATS

    def start_bot(self, *arguments: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        return start_bot(self.environment, log or self.log, *arguments)

    def pushes(self) -> Counter[int]:
        return pushes_per_chat(self.emulator, self.chats)


@asynccontextmanager
async def fanout_fleet(
    tmp_path: Path,
    database_url: str,
    *,
    chats: range = CHATS,
    limits: EmulatorLimits | None = None,
    **overrides: str,
) -> AsyncIterator[Fleet]:
    """Imports the baseline with ``newsbot import``, seeds the readers, yields; stops the emulator."""
    emulator = BotApiEmulator(
        limits or EmulatorLimits(global_per_second=1_000, chat_burst=100, chat_per_second=100.0)
    )
    await emulator.start()
    try:
        content = tmp_path / "content"
        content.mkdir()
        (content / "old.md").write_text(
            article_text(title="Old", url="https://example.com/old", topics=["AI"]), encoding="utf-8"
        )
        environment = {**bot_environment(emulator, tmp_path, database_url), **overrides}
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
        await seed_readers(environment["DATABASE_URL"], chats)
        for chat_id in chats:
            emulator.add_chat(chat_id)
        yield Fleet(emulator, environment, content, tmp_path / "bot.log", chats)
    finally:
        await emulator.stop()


def drop_news(content: Path) -> None:
    (content / "news.md").write_text(
        article_text(title="Breaking", url="https://example.com/breaking", topics=["AI"], images=1),
        encoding="utf-8",
    )
