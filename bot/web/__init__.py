"""The bot's HTTP server: the Telegram webhook, ``/healthz`` and ``/metrics`` (see docs/operations.md).

May import: ``bot.ops``, ``storage``.
"""

from __future__ import annotations

from bot.web.health import DeliveryStatus, HealthProbe, check_health, health_from_runtime, pending_deliveries
from bot.web.server import bound_port, build_web_app, start_web, stop_web
from bot.web.webhook import SECRET_PATTERN, WebhookConfig, derive_webhook_secret, webhook_path

__all__ = [
    "SECRET_PATTERN",
    "DeliveryStatus",
    "HealthProbe",
    "WebhookConfig",
    "bound_port",
    "build_web_app",
    "check_health",
    "derive_webhook_secret",
    "health_from_runtime",
    "pending_deliveries",
    "start_web",
    "stop_web",
    "webhook_path",
]
