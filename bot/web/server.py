"""The bot's own HTTP server, in polling and webhook mode alike: ``/healthz``, ``/metrics`` and the webhook.

Built once at start-up by ``build_web_app`` and served by ``start_web``; ``stop_web`` closes it. In webhook
mode stop it before the Application, so no update is accepted that nothing will handle.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.ops.metrics import Metrics
from bot.web.health import HealthProbe, health_handler
from bot.web.webhook import WebhookConfig, WebhookEndpoint

log = logging.getLogger(__name__)

# In-flight requests get this long to finish on shutdown; every handler here answers in milliseconds.
SHUTDOWN_TIMEOUT = 5.0


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive)."""
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def metrics_handler(metrics: Metrics, token: str | None) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = token.encode() if token else None

    async def serve_metrics(request: web.Request) -> web.Response:
        if expected is not None:
            given = bearer_token(request.headers.get("Authorization", ""))
            if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), expected):
                return web.Response(
                    status=401, text="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
                )
        await metrics.refresh()
        response = web.Response(body=metrics.render())
        # CONTENT_TYPE_LATEST carries a charset parameter, which aiohttp only accepts as a raw header.
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    return serve_metrics


def build_web_app(
    *,
    webhook: WebhookConfig | None,
    health: HealthProbe,
    metrics: Metrics,
    metrics_token: str | None,
) -> web.Application:
    """``GET /healthz``, ``GET /metrics`` (behind ``metrics_token`` when set), and ``POST webhook.path``."""
    app = web.Application()
    app.router.add_get("/healthz", health_handler(health))
    app.router.add_get("/metrics", metrics_handler(metrics, metrics_token))
    if webhook is not None:
        app.router.add_post(webhook.path, WebhookEndpoint(webhook, metrics).handle)
    return app


async def start_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on ``host:port`` (0 picks a free port: see ``bound_port``)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("http server listening on %s:%d", host, bound_port(runner))
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port the server actually listens on."""
    return int(runner.addresses[0][1])


async def stop_web(runner: web.AppRunner) -> None:
    """Stop listening, let in-flight requests finish (at most ``SHUTDOWN_TIMEOUT``), release the port."""
    await runner.cleanup()
