"""Updates reach the bot by long polling or by webhook, and a real PTB Application can run on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.emulator import BotApiEmulator
from tests.bot.emulator.fakes import READER, TOKEN


class WebhookReceiver:
    """A stand-in for the bot's webhook server that fails the first ``failures`` deliveries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if self.failures:
            self.failures -= 1
            return web.Response(status=500)
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver(failures=1)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/hook"
    yield receiver
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retry(
    emulator: BotApiEmulator, bot: telegram.Bot, receiver: WebhookReceiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="s3cret_token", allowed_updates=["message"])
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    injected = await emulator.inject_message(READER, "/start")
    await emulator.wait_for(lambda: len(receiver.received) == 2 and not emulator.state.updates)
    assert receiver.received == [("s3cret_token", injected.update)] * 2
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.allowed_updates) == (receiver.url, 0, ("message",))
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert [delivery["ok"] for delivery in emulator.webhook_deliveries] == [False, True]
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_webhook_validation(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook("https://bot.example.com/hook", secret_token="not allowed!")
    with pytest.raises(BadRequest, match="Invalid webhook url specified"):
        await bot.set_webhook("ftp://bot.example.com/hook")


async def test_allowed_updates_filter_new_updates(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    injected = await emulator.inject_message(READER, "/start")
    assert not injected.delivered
    assert await bot.get_updates() == ()


async def test_offset_confirms_updates(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    for text in ("a", "b", "c"):
        await emulator.inject_message(READER, text)
    updates = await bot.get_updates(limit=2)
    assert [update.message.text for update in updates if update.message] == ["a", "b"]
    rest = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [update.message.text for update in rest if update.message] == ["c"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()


async def test_application_polls_and_replies(emulator: BotApiEmulator) -> None:
    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("<b>Welcome</b>", parse_mode="HTML")

    application = Application.builder().token(TOKEN).base_url(emulator.api_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        await emulator.inject_message(READER, "/start")
        (reply,) = await emulator.wait_for(chat_id=READER, count=1, timeout=5)
        await application.updater.stop()
        await application.stop()
    assert (reply.text, reply.entities) == ("Welcome", [{"offset": 0, "length": 7, "type": "bold"}])
    assert emulator.violations == []


async def test_set_webhook_ends_a_long_poll(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_for(lambda: emulator.state.poll_generation == 1)
    async with telegram.Bot(TOKEN, base_url=emulator.api_url) as deployment:
        assert await deployment.set_webhook("https://bot.example.com/hook")
    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await asyncio.wait_for(poll, 5)


async def test_reset_forgets_everything(emulator: BotApiEmulator, bot: telegram.Bot) -> None:
    await emulator.inject_message(READER, "/start")
    await bot.send_message(READER, "hi")
    emulator.set_limits(enabled=False)
    emulator.privacy_mode = False
    emulator.reset()
    assert (emulator.sent(), emulator.calls(), emulator.state.updates) == ([], [], [])
    assert (emulator.limits.enabled, emulator.privacy_mode) == (True, True)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(READER, "hi")


async def _post(http: aiohttp.ClientSession, url: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with http.post(url, data={name: str(value) for name, value in params.items()}) as response:
        return response.status, await response.json()


def _conflict(description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": 409, "description": f"Conflict: {description}"}


async def test_conflicts_are_answered_409_in_telegrams_words(
    emulator: BotApiEmulator, bot: telegram.Bot
) -> None:
    get_updates = f"{emulator.api_url}{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:
        older = asyncio.create_task(_post(http, get_updates, {"timeout": 10}))
        await emulator.wait_for(lambda: emulator.state.poll_generation == 1)
        newer = asyncio.create_task(_post(http, get_updates, {"timeout": 10}))
        # The older pending poll is ended at once; the newer one goes on waiting and gets the update.
        assert await asyncio.wait_for(older, 5) == (
            409,
            _conflict(
                "terminated by other getUpdates request; make sure that only one bot instance is running"
            ),
        )
        assert not newer.done()
        injected = await emulator.inject_message(READER, "hello")
        assert await asyncio.wait_for(newer, 5) == (200, {"ok": True, "result": [injected.update]})

        assert await bot.set_webhook("https://bot.example.com/hook", drop_pending_updates=True)
        assert await _post(http, get_updates, {"timeout": 0}) == (
            409,
            _conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            ),
        )
    assert [v.kind for v in emulator.violations] == ["conflict", "conflict"]
