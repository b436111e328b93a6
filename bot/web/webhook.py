"""The webhook endpoint: Telegram POSTs updates here; they go onto the Application's update queue.

PTB's custom-webhook pattern: the Application is built with ``.updater(None)`` and this endpoint feeds
``application.update_queue``. Telegram retries any non-2xx answer later, in order, so the endpoint
answers 200 as soon as an update is queued (handling happens afterwards) and 503 when the queue is full.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.ops.metrics import Metrics, WebhookOutcome

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for setWebhook's secret_token.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
SECRET_LABEL = b"newsbot webhook secret v1"
# Updates are a few KiB; a file's content never arrives in an update, only its id.
MAX_BODY_BYTES = 1 << 20
RECENT_UPDATES = 10_000
RESERVED_PATHS = frozenset({"/healthz", "/metrics"})


def derive_webhook_secret(token: str) -> str:
    """A stable secret for ``setWebhook(secret_token=…)`` when ``WEBHOOK_SECRET`` is unset.

    HMAC-SHA256 of a fixed label keyed by the bot token: 64 hex characters, all allowed by Telegram,
    the same in every process of the bot and across restarts, and useless for recovering the token.
    """
    return hmac.new(token.encode(), SECRET_LABEL, hashlib.sha256).hexdigest()


def webhook_path(webhook_url: str, override: str | None = None) -> str:
    """Where the endpoint listens: ``override`` (behind a proxy that rewrites paths), else the URL's path."""
    path = override.strip() if override and override.strip() else urlsplit(webhook_url).path
    path = "/" + path.lstrip("/")
    if path.rstrip("/") in RESERVED_PATHS:
        raise ValueError(f"the webhook path {path!r} clashes with the health or metrics endpoint")
    return path


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """What the endpoint needs: where it listens, the shared secret, and where updates go.

    ``queue`` is ``application.update_queue`` (unbounded in PTB), so the bound is ``max_pending``:
    at that many queued updates the endpoint answers 503 and Telegram tries again later.
    """

    path: str
    secret: str
    bot: Bot
    queue: asyncio.Queue[object]
    max_pending: int = 1_000
    max_body_bytes: int = MAX_BODY_BYTES
    remember_updates: int = RECENT_UPDATES

    def __post_init__(self) -> None:
        if not SECRET_PATTERN.fullmatch(self.secret):
            raise ValueError("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if not self.path.startswith("/"):
            raise ValueError(f"the webhook path must start with '/', got {self.path!r}")
        if self.max_pending < 1 or self.max_body_bytes < 1 or self.remember_updates < 1:
            raise ValueError("max_pending, max_body_bytes and remember_updates must be positive")


class RecentUpdates:
    """The last ``size`` update ids handed on: Telegram redelivers an update whose answer it missed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> None:
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)


class WebhookEndpoint:
    """The aiohttp handler for one bot; ``handle`` is registered as ``POST config.path``."""

    def __init__(self, config: WebhookConfig, metrics: Metrics | None = None) -> None:
        self.config = config
        self.metrics = metrics
        self.recent = RecentUpdates(config.remember_updates)
        self._secret = config.secret.encode()

    async def handle(self, request: web.Request) -> web.Response:
        """Check, decode and queue one update; every refusal is a status Telegram understands."""
        config = self.config
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return self._answer("forbidden", 403, "wrong or missing secret token")
        body = await self._body(request)
        if body is None:
            return self._answer("too_large", 413, "request body too large")
        try:
            data = json.loads(body)
        except ValueError:
            return self._answer("malformed", 400, "body is not JSON")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if type(update_id) is not int:
            return self._answer("malformed", 400, "body is not an update")
        if update_id in self.recent:
            return self._answer("duplicate", 200)
        if config.queue.qsize() >= config.max_pending:
            log.warning(
                "webhook: %d updates waiting; answering 503 so Telegram retries", config.queue.qsize()
            )
            return self._answer("overloaded", 503, "too many pending updates")
        try:
            update = Update.de_json(data, config.bot)
        except Exception:
            # Retrying cannot help, and Telegram would hold back every later update behind this one.
            log.exception("webhook: update %d could not be decoded; dropped", update_id)
            self.recent.add(update_id)
            return self._answer("malformed", 200)
        try:
            config.queue.put_nowait(update)
        except asyncio.QueueFull:
            return self._answer("overloaded", 503, "too many pending updates")
        self.recent.add(update_id)
        return self._answer("accepted", 200)

    async def _body(self, request: web.Request) -> bytes | None:
        """The body, or None once it exceeds the limit (read no further than that)."""
        limit = self.config.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return None
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > limit:
                return None
        return bytes(body)

    def _answer(self, outcome: WebhookOutcome, status: int, reason: str | None = None) -> web.Response:
        if self.metrics is not None:
            self.metrics.count_webhook(outcome)
        if reason is not None and status != 200:
            log.debug("webhook: %d %s", status, reason)
        return web.Response(status=status, text=reason or "ok")
