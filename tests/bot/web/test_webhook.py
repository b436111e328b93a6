"""The webhook endpoint over HTTP: secret, body checks, back-pressure and duplicates, with a plain queue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Update

from bot.ops.metrics import Metrics
from bot.web import derive_webhook_secret, webhook_path
from bot.web.webhook import SECRET_HEADER, SECRET_PATTERN
from tests.bot.web.conftest import PATH, SECRET, TOKEN, serving, update_json, web_app, webhook_config

HEADERS = {SECRET_HEADER: SECRET}


async def post(
    http: aiohttp.ClientSession, url: str, body: object, headers: dict[str, str] | None = None
) -> int:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with http.post(url + PATH, data=data, headers=HEADERS if headers is None else headers) as response:
        return response.status


def queued_ids(queue: asyncio.Queue[object]) -> list[int]:
    ids = []
    while not queue.empty():
        update = queue.get_nowait()
        assert isinstance(update, Update)
        ids.append(update.update_id)
    return ids


async def test_an_update_with_the_right_secret_is_queued_as_a_ptb_update(http: aiohttp.ClientSession) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    async with serving(web_app(webhook=webhook_config(queue))) as url:
        assert await post(http, url, update_json(7, "/start")) == 200
    update = queue.get_nowait()
    assert isinstance(update, Update)
    assert update.update_id == 7
    assert update.message is not None and update.message.text == "/start"


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}, {SECRET_HEADER: SECRET.upper()}],
    ids=["missing", "wrong", "longer", "other-case"],
)
async def test_a_missing_or_wrong_secret_is_forbidden(
    http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    metrics = Metrics()
    async with serving(web_app(webhook=webhook_config(queue), metrics=metrics)) as url:
        assert await post(http, url, update_json(1), headers) == 403
    assert queue.empty()
    assert metrics.registry.get_sample_value("newsbot_webhook_requests_total", {"outcome": "forbidden"}) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"update_id": "7"}',
        b'{"update_id": true}',
    ],
    ids=["text", "empty", "not-utf8", "array", "string", "no-update-id", "string-id", "bool-id"],
)
async def test_a_body_that_is_not_an_update_is_a_bad_request(
    http: aiohttp.ClientSession, body: bytes
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    async with serving(web_app(webhook=webhook_config(queue))) as url:
        assert await post(http, url, body) == 400
    assert queue.empty()


async def test_an_oversized_body_is_refused_with_or_without_a_content_length(
    http: aiohttp.ClientSession,
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    config = webhook_config(queue, max_body_bytes=1024)
    big = update_json(1, "x" * 2000)

    async def chunked() -> AsyncIterator[bytes]:
        payload = json.dumps(big).encode()
        for start in range(0, len(payload), 100):
            yield payload[start : start + 100]

    async with serving(web_app(webhook=config)) as url:
        assert await post(http, url, big) == 413
        async with http.post(url + PATH, data=chunked(), headers=HEADERS) as response:
            assert response.status == 413
        assert await post(http, url, update_json(2, "x" * 500)) == 200
    assert queued_ids(queue) == [2]


async def test_a_full_queue_answers_503_and_the_update_is_taken_when_telegram_retries(
    http: aiohttp.ClientSession,
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    async with serving(web_app(webhook=webhook_config(queue, max_pending=2))) as url:
        assert await post(http, url, update_json(1)) == 200
        assert await post(http, url, update_json(2)) == 200
        assert await post(http, url, update_json(3)) == 503
        queue.get_nowait()
        assert await post(http, url, update_json(3)) == 200  # not remembered as handled: taken now
    assert queued_ids(queue) == [2, 3]


async def test_a_bounded_queue_that_is_full_answers_503(http: aiohttp.ClientSession) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=1)
    async with serving(web_app(webhook=webhook_config(queue, max_pending=10))) as url:
        assert await post(http, url, update_json(1)) == 200
        assert await post(http, url, update_json(2)) == 503
    assert queued_ids(queue) == [1]


async def test_a_redelivered_update_is_answered_but_queued_once(http: aiohttp.ClientSession) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    metrics = Metrics()
    async with serving(web_app(webhook=webhook_config(queue), metrics=metrics)) as url:
        for update_id in (5, 5, 6, 5):
            assert await post(http, url, update_json(update_id)) == 200
    assert queued_ids(queue) == [5, 6]
    assert metrics.registry.get_sample_value("newsbot_webhook_requests_total", {"outcome": "duplicate"}) == 2


async def test_only_the_most_recent_update_ids_are_remembered(http: aiohttp.ClientSession) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    async with serving(web_app(webhook=webhook_config(queue, remember_updates=2))) as url:
        for update_id in (1, 2, 3, 1, 3):
            assert await post(http, url, update_json(update_id)) == 200
    assert queued_ids(queue) == [1, 2, 3, 1]


async def test_the_webhook_takes_only_posts_and_exists_only_when_configured(
    http: aiohttp.ClientSession,
) -> None:
    queue: asyncio.Queue[object] = asyncio.Queue()
    async with serving(web_app(webhook=webhook_config(queue))) as url, http.get(url + PATH) as response:
        assert response.status == 405
    async with serving(web_app()) as url:
        assert await post(http, url, update_json(1)) == 404


def test_the_derived_secret_is_stable_allowed_by_telegram_and_hides_the_token() -> None:
    secret = derive_webhook_secret(TOKEN)
    assert secret == derive_webhook_secret(TOKEN)
    assert secret != derive_webhook_secret(TOKEN.replace("a", "b"))
    assert SECRET_PATTERN.fullmatch(secret)
    assert TOKEN.split(":")[1] not in secret


@pytest.mark.parametrize(
    ("url", "override", "path"),
    [
        ("https://bot.example.com/telegram/hook", None, "/telegram/hook"),
        ("https://bot.example.com", None, "/"),
        ("https://bot.example.com/newsbot/hook?x=1", "/hook", "/hook"),
        ("https://bot.example.com/a", "hook", "/hook"),
        ("https://bot.example.com/a", "  ", "/a"),
    ],
)
def test_webhook_path_comes_from_the_url_unless_overridden(url: str, override: str | None, path: str) -> None:
    assert webhook_path(url, override) == path


@pytest.mark.parametrize("override", ["/healthz", "/metrics/", "metrics"])
def test_webhook_path_must_not_hide_health_or_metrics(override: str) -> None:
    with pytest.raises(ValueError, match="clashes"):
        webhook_path("https://bot.example.com/hook", override)


@pytest.mark.parametrize("secret", ["", "with space", "ünïcode", "x" * 257])
def test_a_secret_telegram_would_refuse_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        webhook_config(asyncio.Queue(), secret=secret)


def test_a_relative_webhook_path_is_refused() -> None:
    with pytest.raises(ValueError, match="path"):
        webhook_config(asyncio.Queue(), path="hook")
