"""The push harness: a real ``BotRuntime`` against the emulator, a movable clock, and article drops.

Shared by the push, schedule, filter, correction, language, group and channel tests; the ``clock``,
``push_options`` and ``pushes`` fixtures are in tests/bot/conftest.py.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.emulator import BotApiEmulator, SentMessage
from bot.runtime import BotRuntime
from storage.db.models import Chat as ChatRow
from storage.db.models import Subscription, Topic
from tests.articles import article_text
from tests.bot.conftest import NOW, Chat, buttons, settings_for

WAIT = 20.0
TOPICS = ("AI", "Space", "Climate")


class Clock:
    """The bot's clock: it ticks with real time from ``NOW``, and the test can jump it forward."""

    def __init__(self, now: datetime) -> None:
        self.jump_to(now)

    def jump_to(self, when: datetime) -> None:
        self._base, self._started = when, time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._started)


@dataclass
class Pushes:
    emulator: BotApiEmulator
    runtime: BotRuntime
    content: Path
    clock: Clock
    # Error answers a test provokes on purpose (status codes); every other refusal fails the test.
    expected_refusals: set[int] = field(default_factory=set)

    def chat(self, chat_id: int) -> Chat:
        return Chat(self.emulator, chat_id)

    async def follow(self, chat_id: int, *topics: str) -> Chat:
        chat = self.chat(chat_id)
        reply = await chat.say_last("/subscribe " + ", ".join(topics))
        assert "Subscribed" in reply.body
        return chat

    def drop(self, name: str, **fields: Any) -> Path:
        """Publish as operators are told to: write under a temporary name, then rename."""
        path = self.content / name
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(article_text(**fields), encoding="utf-8")
        temporary.rename(path)
        return path

    def pushes(self, chat_id: int) -> list[SentMessage]:
        """What the bot pushed to a chat (replies to commands have no "Read" button)."""
        return [
            m
            for m in self.emulator.sent(chat_id)
            if any(t in ("Read ↗", "Watch ▶") for t, _ in buttons(m)) or is_digest(m)
        ]

    async def wait_pushes(self, expected: dict[int, int]) -> None:
        def done() -> bool:
            return all(len(self.pushes(chat)) >= count for chat, count in expected.items())

        await self.emulator.wait_for(done, timeout=WAIT)

    async def settle(self, seconds: float = 0.5) -> None:
        """Give the worker time to send anything it (wrongly) still would."""
        await asyncio.sleep(seconds)


def is_digest(message: SentMessage) -> bool:
    return message.body.startswith("📰")


async def start_pushes(
    emulator: BotApiEmulator, tmp_path: Path, database_url: str, clock: Clock, **overrides: Any
) -> Pushes:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "seed.md").write_text(
        article_text(title="Back catalogue", url="https://example.com/old", topics=TOPICS), encoding="utf-8"
    )
    options: dict[str, Any] = {"push_poll_seconds": 0.05, "push_backoff_base": 0.05, "digest_threshold": 50}
    options.update(overrides)
    runtime = BotRuntime(settings_for(emulator, database_url, content, **options), clock=clock)
    await runtime.start()
    return Pushes(emulator, runtime, content, clock)


async def seed_followers(setup: Pushes, chats: range, topic_key: str) -> None:
    """Many readers at once, written straight into the database (subscribing by command would be slow)."""
    async with setup.runtime.db.write() as session:
        topic_id = await session.scalar(select(Topic.id).where(Topic.key == topic_key))
        await session.execute(
            insert(ChatRow),
            [
                {"id": c, "type": "private", "status": "active", "created_at": NOW, "updated_at": NOW}
                for c in chats
            ],
        )
        await session.execute(
            insert(Subscription),
            [{"chat_id": c, "thread_id": 0, "topic_id": topic_id, "created_at": NOW} for c in chats],
        )
    for chat_id in chats:
        setup.emulator.add_chat(chat_id)


def published(hours_ago: float) -> datetime:
    return NOW - timedelta(hours=hours_ago)


def button_url(message: SentMessage, label: str) -> str:
    return next(data for text, data in buttons(message) if text == label)
