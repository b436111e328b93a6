"""Plain calls against the emulator: the JSON answer, Telegram's errors as PTB's, the rate limiter in the way."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden
from telegram.ext import BaseRateLimiter, ExtBot

from bot.emulator.server import BotApiEmulator
from bot.telegram.plain_calls import PlainCalls
from bot.telegram.transport import AiohttpRequest

TOKEN = "123456:PLAIN-calls-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
READER = 4242


class RecordingLimiter(BaseRateLimiter[str]):
    """Lets every call through, noting what it was told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any], str | None]] = []

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Any:
        self.seen.append((endpoint, data, rate_limit_args))
        return await callback(*args, **kwargs)


@pytest.fixture
async def bot() -> AsyncIterator[tuple[BotApiEmulator, ExtBot[Any], RecordingLimiter]]:
    emulator = BotApiEmulator()
    await emulator.start()
    emulator.add_chat(READER)
    limiter = RecordingLimiter()
    bot: ExtBot[Any] = ExtBot(
        TOKEN, base_url=emulator.api_url, request=AiohttpRequest(), rate_limiter=limiter
    )
    await bot.initialize()
    limiter.seen.clear()  # initialize asked getMe
    yield emulator, bot, limiter
    await bot.shutdown()
    await emulator.stop()


async def test_a_call_answers_telegrams_json_and_passes_the_rate_limiter(
    bot: tuple[BotApiEmulator, ExtBot[Any], RecordingLimiter],
) -> None:
    emulator, ptb, limiter = bot
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Read", url="https://example.com/a")]])
    answer = await PlainCalls(ptb).call(
        "sendMessage",
        {
            "chat_id": READER,
            "text": "<b>Hello</b>",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
            "x": None,
        },
        "push",
    )
    [sent] = emulator.sent(READER)
    assert answer["message_id"] == sent.message_id
    assert answer["chat"]["id"] == READER
    assert sent.text == "Hello"
    [(endpoint, data, policy)] = limiter.seen
    assert (endpoint, policy) == ("sendMessage", "push")
    assert data["chat_id"] == READER
    assert "x" not in data  # None is left out, as PTB's own methods leave it out
    [call] = emulator.calls("sendMessage")
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Read", "url": "https://example.com/a"}]]
    }
    assert not emulator.violations


async def test_a_refusal_raises_ptbs_error(bot: tuple[BotApiEmulator, ExtBot[Any], RecordingLimiter]) -> None:
    emulator, ptb, _ = bot
    emulator.faults.block_chat(READER)
    with pytest.raises(Forbidden):
        await PlainCalls(ptb).call("sendMessage", {"chat_id": READER, "text": "Hello"})
