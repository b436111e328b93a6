"""Groups, forums and channels in end-to-end tests: members who type, tap, and a bot started on a folder."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.emulator import BotApiEmulator, CallbackRecord, SentMessage
from bot.emulator.readers import InjectedMessage
from bot.runtime import BotRuntime
from tests.articles import article_text
from tests.bot.conftest import settings_for
from tests.bot.pushes import Clock, Pushes

WAIT = 20.0
TOPICS = ("AI", "Space", "Climate", "Security")


class Ticks:
    """A monotonic clock for the bot's pacing and the emulator's limits: real time plus jumps."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Group:
    """A group (or forum supergroup) the bot is in; members type and tap through the emulator."""

    emulator: BotApiEmulator
    chat_id: int

    async def send(
        self, text: str, *, user_id: int | None = None, anonymous: bool = False, thread: int | None = None
    ) -> InjectedMessage:
        """A member writes (``anonymous``: an admin, on behalf of the group; ``thread``: in a forum topic)."""
        return await self.emulator.inject_message(
            self.chat_id,
            text,
            user_id=user_id,
            chat_type="supergroup",
            sender_chat_id=self.chat_id if anonymous else None,
            message_thread_id=thread,
            is_topic_message=thread is not None,
        )

    async def say(
        self, text: str, *, user_id: int | None = None, anonymous: bool = False, thread: int | None = None
    ) -> SentMessage:
        """Write and wait for the bot's one reply."""
        since = len(self.emulator.sent())
        injected = await self.send(text, user_id=user_id, anonymous=anonymous, thread=thread)
        assert injected.delivered, text
        (answer,) = await self.emulator.wait_for(chat_id=self.chat_id, since=since, count=1, timeout=WAIT)
        return answer  # type: ignore[no-any-return]

    def sent(self, since: int = 0) -> list[SentMessage]:
        return self.emulator.sent(self.chat_id, since)

    async def tap(self, message: SentMessage, data: str, *, user_id: int) -> CallbackRecord:
        """A member taps the button with ``data``; returns the answered tap (its toast)."""
        injected = await self.emulator.inject_callback(
            self.chat_id, message.message_id, data, user_id=user_id
        )

        def answered() -> CallbackRecord | None:
            record = next(r for r in self.emulator.callback_answers() if r.id == injected.callback_query_id)
            return record if record.answered else None

        return await self.emulator.wait_for(answered, timeout=WAIT)  # type: ignore[no-any-return]


async def eventually(condition: Callable[[], object]) -> None:
    """Wait (up to ``WAIT`` seconds) for something the emulator does not see, such as a log line: poll it."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 - nothing to wait on: logging notifies nobody
            await asyncio.sleep(0.02)


def write_seed(content: Path) -> None:
    """The back catalogue: one article with every test topic, so the topics exist."""
    content.mkdir(parents=True, exist_ok=True)
    (content / "seed.md").write_text(
        article_text(title="Back catalogue", url="https://example.com/old", topics=TOPICS), encoding="utf-8"
    )


async def start_bot(
    emulator: BotApiEmulator,
    content: Path,
    database_url: str,
    clock: Clock,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    **overrides: Any,
) -> Pushes:
    """The real bot on ``content`` (seeded), pushing quickly, one push per article."""
    write_seed(content)
    options: dict[str, Any] = {"push_poll_seconds": 0.05, "push_backoff_base": 0.05, "digest_threshold": 50}
    options.update(overrides)
    runtime = BotRuntime(
        settings_for(emulator, database_url, content, **options), clock=clock, monotonic=monotonic
    )
    await runtime.start()
    return Pushes(emulator, runtime, content, clock)
