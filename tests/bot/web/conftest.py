"""Serving a web app on a free local port, and an HTTP client to talk to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot

from bot.ops.metrics import Metrics
from bot.web import HealthProbe, WebhookConfig, bound_port, build_web_app, start_web, stop_web

TOKEN = "123456:TEST-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
SECRET = "s3cret_Token-1"
PATH = "/telegram/webhook"


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """``app`` served on 127.0.0.1 at a free port; yields its root URL."""
    runner = await start_web(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await stop_web(runner)


async def always_up() -> bool:
    return True


def update_json(update_id: int, text: str = "hello", chat_id: int = 1001) -> dict[str, Any]:
    """A private-chat message update, as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ann"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
            "text": text,
        },
    }


def webhook_config(queue: asyncio.Queue[object], **overrides: Any) -> WebhookConfig:
    settings: dict[str, Any] = {"path": PATH, "secret": SECRET, "bot": Bot(TOKEN), "queue": queue}
    settings.update(overrides)
    return WebhookConfig(**settings)


def web_app(
    *,
    webhook: WebhookConfig | None = None,
    health: HealthProbe | None = None,
    metrics: Metrics | None = None,
    metrics_token: str | None = None,
) -> web.Application:
    return build_web_app(
        webhook=webhook,
        health=health or HealthProbe(database=always_up),
        metrics=metrics or Metrics(),
        metrics_token=metrics_token,
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session
