"""End-to-end harness: the real bot (``BotRuntime``, as ``newsbot run`` builds it) polling the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.emulator import BotApiEmulator, CallbackRecord, EmulatorLimits, SentMessage
from bot.ops.config import Settings
from bot.runtime import BotRuntime
from tests.articles import article_text

if TYPE_CHECKING:
    from tests.bot.pushes import Clock, Pushes

TOKEN = "123456:TEST-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
ADMIN = 4242
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WAIT = 10.0
FAST_READERS = EmulatorLimits(chat_burst=100, chat_per_second=100.0)

# Topic and article names full of HTML's special characters: every one must arrive escaped.
TOPICS = ["AI", "Computer Vision", "Climate", "Space", "Open Source", "Security", '<Tags> & "Quotes"']


def write_catalogue(folder: Path, extra_topics: int = 0) -> None:
    """A small catalogue: two articles per topic, plus ``extra_topics`` one-article topics."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topics.yaml").write_text(
        "- name: Machine Learning\n  aliases: [ML]\n  description: Models that learn\n", encoding="utf-8"
    )
    for number, topic in enumerate(TOPICS):
        for copy in range(2):
            slug = f"{number}-{copy}"
            title = f"{topic} story {copy}" if "<" not in topic else f'<b>Bold</b> & {copy} "quoted" <script>'
            (folder / f"{slug}.md").write_text(
                article_text(
                    title=title,
                    url=f"https://example.com/{slug}",
                    topics=[topic],
                    published=NOW - timedelta(hours=number * 2 + copy + 1),
                    excerpt=f"About {topic}, facial recognition in cities" if number == 1 else "An excerpt.",
                    provider="Example & Co <News>",
                ),
                encoding="utf-8",
            )
    for extra in range(extra_topics):
        (folder / f"extra-{extra}.md").write_text(
            article_text(
                title=f"Extra {extra}", url=f"https://example.net/{extra}", topics=[f"Topic {extra:02}"]
            ),
            encoding="utf-8",
        )


@dataclass
class Chat:
    """A reader in a private chat, talking to the bot through the emulator."""

    emulator: BotApiEmulator
    chat_id: int
    language_code: str = "en"

    def sent(self) -> list[SentMessage]:
        return self.emulator.sent(self.chat_id)

    async def say(self, text: str, replies: int = 1) -> list[SentMessage]:
        """Send ``text`` and wait for the bot's next ``replies`` messages in this chat."""
        since = len(self.emulator.sent())
        await self.emulator.inject_message(self.chat_id, text, language_code=self.language_code)
        found = await self.emulator.wait_for(chat_id=self.chat_id, since=since, count=replies, timeout=WAIT)
        return list(found)

    async def say_last(self, text: str) -> SentMessage:
        return (await self.say(text))[-1]

    async def tap(self, message: SentMessage, label: str, *, edits: bool = True) -> CallbackRecord:
        """Tap the button whose text contains ``label``; wait for the answer and (``edits``) the redraw."""
        return await self.tap_data(message, button_data(message, label), edits=edits)

    async def tap_data(self, message: SentMessage, data: str, *, edits: bool = False) -> CallbackRecord:
        before = self.current(message)
        shown = (before.body, before.reply_markup, before.deleted)
        injected = await self.emulator.inject_callback(self.chat_id, message.message_id, data, force=True)

        def answered() -> CallbackRecord | None:
            record = next(r for r in self.emulator.callback_answers() if r.id == injected.callback_query_id)
            return record if record.answered else None

        record: CallbackRecord = await self.emulator.wait_for(answered, timeout=WAIT)
        if edits:

            def redrawn() -> bool:
                now = self.current(message)
                return (now.body, now.reply_markup, now.deleted) != shown

            await self.emulator.wait_for(redrawn, timeout=WAIT)
        return record

    def current(self, message: SentMessage) -> SentMessage:
        found = self.emulator.message(self.chat_id, message.message_id)
        assert found is not None
        return found


def buttons(message: SentMessage) -> list[tuple[str, str]]:
    """(text, callback_data or url) of every inline button, row by row."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row]


def button_data(message: SentMessage, label: str) -> str:
    matches = [data for text, data in buttons(message) if label in text]
    assert matches, f"no button {label!r} in {buttons(message)}"
    return matches[0]


@dataclass
class Harness:
    emulator: BotApiEmulator
    runtime: BotRuntime
    content: Path
    clock: Callable[[], datetime]

    def chat(self, chat_id: int, language_code: str = "en") -> Chat:
        return Chat(self.emulator, chat_id, language_code)

    def errors(self) -> dict[str, Any]:
        stats = self.emulator.stats()
        return {"violations": self.emulator.violations, "statuses": stats["statuses"]}


def settings_for(emulator: BotApiEmulator, database_url: str, content: Path, **overrides: Any) -> Settings:
    base = Settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=emulator.root_url,
        database_url=database_url,
        content_dir=content,
        admin_ids=frozenset({ADMIN}),
        watch_debounce_ms=50,
        host="127.0.0.1",
        port=0,
        # Fast readers: tests type faster than people do (the emulator's limits are raised to match).
        send_chat_per_second=50.0,
        send_chat_burst=50,
    )
    return replace(base, **overrides)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(FAST_READERS)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    write_catalogue(folder)
    return folder


@pytest.fixture
async def harness(emulator: BotApiEmulator, database_url: str, content: Path) -> AsyncIterator[Harness]:
    runtime = BotRuntime(settings_for(emulator, database_url, content), clock=lambda: NOW)
    await runtime.start()
    harness = Harness(emulator, runtime, content, lambda: NOW)
    try:
        yield harness
    finally:
        await runtime.stop()
    # The bot must never have made a call Telegram would refuse.
    assert emulator.violations == []
    assert refused(emulator) == []


def refused(emulator: BotApiEmulator) -> list[Any]:
    """Calls answered with an error, except the long poll ``Updater.stop()`` abandons (a harmless 409)."""
    return [
        call
        for call in emulator.calls()
        if call.status >= 400 and not (call.method == "getUpdates" and call.status == 409)
    ]


@pytest.fixture
def clock() -> Clock:
    from tests.bot.pushes import Clock  # the harness imports this module: import it when used

    return Clock(NOW)


@pytest.fixture
def push_options() -> dict[str, Any]:
    """Settings for the ``pushes`` fixture's bot; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
async def pushes(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, clock: Clock, push_options: dict[str, Any]
) -> AsyncIterator[Pushes]:
    """A running bot with the back catalogue imported; at the end no violation and no unexpected refusal."""
    from tests.bot.pushes import start_pushes

    setup = await start_pushes(emulator, tmp_path, database_url, clock, **push_options)
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert [call for call in refused(emulator) if call.status not in setup.expected_refusals] == []
