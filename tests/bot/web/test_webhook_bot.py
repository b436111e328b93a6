"""The webhook end to end: a real PTB Application (``.updater(None)``) fed by the endpoint, answering
through the emulator; updates POSTed by hand and by the emulator's own webhook delivery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.emulator import BotApiEmulator
from bot.ops.metrics import Metrics
from bot.telegram.transport import AiohttpRequest
from bot.web import WebhookConfig, derive_webhook_secret
from bot.web.webhook import SECRET_HEADER
from tests.bot.web.conftest import TOKEN, serving, web_app

CHAT = 1001
WAIT = 5.0
PATH = "/hook"


async def pong(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ping [words] → "pong [words]"."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(" ".join(["pong", *(context.args or [])]))


class Answers:
    """The endpoint's answers as the caller got them (the emulator signals only successful deliveries)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self._changed = asyncio.Condition()

    async def record(self, request: web.Request, response: web.StreamResponse) -> None:
        if request.path == PATH:
            self.statuses.append(response.status)
            async with self._changed:
                self._changed.notify_all()

    async def wait_for(self, status: int) -> None:
        async with asyncio.timeout(WAIT), self._changed:
            await self._changed.wait_for(lambda: status in self.statuses)


@dataclass
class Bot:
    emulator: BotApiEmulator
    application: Application  # type: ignore[type-arg]
    metrics: Metrics
    url: str
    secret: str
    answers: Answers = field(default_factory=Answers)

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        headers = {SECRET_HEADER: self.secret}
        async with http.post(self.url + PATH, json=update, headers=headers) as response:
            return response.status

    def replies(self) -> list[str]:
        return [message.body for message in self.emulator.sent(CHAT)]

    async def wait_replies(self, count: int) -> list[str]:
        await self.emulator.wait_for(chat_id=CHAT, count=count, timeout=WAIT)
        return self.replies()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    metrics = Metrics()
    # The production transport: PTB's default (httpx) logs every request URL, token included, at INFO.
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(emulator.api_url)
        .request(AiohttpRequest())
        .updater(None)
        .build()
    )
    application.add_handler(metrics.update_handler(), group=-2)
    application.add_handler(CommandHandler("ping", metrics.timed("ping", pong)))
    secret = derive_webhook_secret(TOKEN)
    webhook = WebhookConfig(
        path=PATH, secret=secret, bot=application.bot, queue=application.update_queue, max_pending=100
    )
    await application.initialize()
    await application.start()
    answers = Answers()
    app = web_app(webhook=webhook, metrics=metrics)
    app.on_response_prepare.append(answers.record)
    # The server stops before the Application, as in production: no update is accepted that nothing handles.
    try:
        async with serving(app) as url:
            yield Bot(emulator, application, metrics, url, secret, answers)
    finally:
        await application.stop()
        await application.shutdown()
    assert emulator.violations == []


async def test_an_update_posted_to_the_webhook_is_answered(bot: Bot, http: aiohttp.ClientSession) -> None:
    injected = await bot.emulator.inject_message(CHAT, "/ping by hand")
    assert injected.update is not None
    assert await bot.post(http, injected.update) == 200
    assert await bot.wait_replies(1) == ["pong by hand"]
    await bot.application.update_queue.join()  # handling is over, timing included
    assert bot.metrics.registry.get_sample_value("newsbot_updates_total", {"type": "message"}) == 1
    assert bot.metrics.registry.get_sample_value("newsbot_command_seconds_count", {"command": "ping"}) == 1


async def test_a_redelivered_update_is_handled_once(bot: Bot, http: aiohttp.ClientSession) -> None:
    first = (await bot.emulator.inject_message(CHAT, "/ping one")).update
    second = (await bot.emulator.inject_message(CHAT, "/ping two")).update
    assert first is not None and second is not None
    assert await bot.post(http, first) == 200
    assert await bot.post(http, first) == 200
    assert await bot.post(http, second) == 200
    # Updates of one chat are handled in arrival order: a second "pong one" would come before "pong two".
    assert await bot.wait_replies(2) == ["pong one", "pong two"]
    assert bot.metrics.registry.get_sample_value("newsbot_updates_total", {"type": "message"}) == 2


async def test_updates_delivered_by_telegrams_webhook_are_answered(bot: Bot) -> None:
    assert await bot.application.bot.set_webhook(bot.url + PATH, secret_token=bot.secret)
    for text in ("/ping a", "/ping b"):
        await bot.emulator.inject_message(CHAT, text)
    assert await bot.wait_replies(2) == ["pong a", "pong b"]
    assert [d["ok"] for d in bot.emulator.webhook_deliveries] == [True, True]


async def test_telegram_retries_a_refused_update_until_the_secret_matches(bot: Bot) -> None:
    assert await bot.application.bot.set_webhook(bot.url + PATH, secret_token="not-the-secret")
    await bot.emulator.inject_message(CHAT, "/ping late")
    await bot.answers.wait_for(403)
    info = await bot.application.bot.get_webhook_info()
    assert info.last_error_message is not None and "403" in info.last_error_message
    assert info.pending_update_count == 1
    assert bot.replies() == []

    assert await bot.application.bot.set_webhook(bot.url + PATH, secret_token=bot.secret)
    assert await bot.wait_replies(1) == ["pong late"]
    assert bot.emulator.webhook_deliveries[-1]["ok"] is True
    forbidden = bot.metrics.registry.get_sample_value(
        "newsbot_webhook_requests_total", {"outcome": "forbidden"}
    )
    assert forbidden is not None and forbidden >= 1
