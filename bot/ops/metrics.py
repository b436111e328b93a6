"""Prometheus metrics: one ``Metrics`` per running bot, each with its own registry (tests make several).

Names and meanings are listed in docs/operations.md. Label values come from small fixed sets, so a
metric never grows a series per chat, article or error text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Literal, TypeVar, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram import Update
from telegram.ext import TypeHandler

log = logging.getLogger(__name__)

UpdateType = Literal["message", "callback_query", "my_chat_member", "other"]
DeliveryOutcome = Literal["sent", "failed", "cancelled", "blocked", "skipped"]
WebhookOutcome = Literal["accepted", "duplicate", "forbidden", "malformed", "too_large", "overloaded"]

UPDATE_TYPES: tuple[UpdateType, ...] = get_args(UpdateType)
DELIVERY_OUTCOMES: tuple[DeliveryOutcome, ...] = get_args(DeliveryOutcome)
WEBHOOK_OUTCOMES: tuple[WebhookOutcome, ...] = get_args(WebhookOutcome)
# Commands answer in milliseconds; a slow database or a 429 retry pushes them into seconds.
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REFRESH_TIMEOUT = 5.0

PendingCounter = Callable[[], Awaitable[int]]
R = TypeVar("R")
HandlerCallback = Callable[[Update, Any], Coroutine[Any, Any, R]]


def update_type(update: object) -> UpdateType:
    """The kind of update, for ``updates_total``; anything the bot does not subscribe to is "other"."""
    if isinstance(update, Update):
        if update.message is not None:
            return "message"
        if update.callback_query is not None:
            return "callback_query"
        if update.my_chat_member is not None:
            return "my_chat_member"
    return "other"


def reason_label(reason: str) -> str:
    """``"photo refused"`` → ``photo_refused``: label values in the snake case PromQL users expect."""
    return "_".join(reason.strip().lower().replace("-", " ").split()) or "unknown"


class Metrics:
    """The bot's counters, histograms and gauges, in a registry of their own.

    ``pending_deliveries`` (optional) counts the ledger's pending rows; it is awaited by ``refresh()``
    just before each scrape, so the gauge is current without a background task polling the database.
    """

    def __init__(
        self, *, pending_deliveries: PendingCounter | None = None, namespace: str = "newsbot"
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._pending_deliveries = pending_deliveries
        registry, ns = self.registry, namespace
        self.updates_total = Counter(
            "updates", "Updates received from Telegram, by type.", ["type"], namespace=ns, registry=registry
        )
        self.command_seconds = Histogram(
            "command_seconds",
            "Time to handle a command, reply included.",
            ["command"],
            namespace=ns,
            registry=registry,
            buckets=COMMAND_BUCKETS,
        )
        self.deliveries_total = Counter(
            "deliveries",
            "Pushes closed in the delivery ledger, by outcome.",
            ["outcome"],
            namespace=ns,
            registry=registry,
        )
        self.deliveries_pruned_total = Counter(
            "deliveries_pruned",
            "Closed delivery rows deleted after RETENTION_DAYS or with their article (still counted per day in "
            "delivery_tallies).",
            namespace=ns,
            registry=registry,
        )
        self.deliveries_failed_total = Counter(
            "deliveries_failed",
            "Push attempts Telegram refused, by reason (retried or not).",
            ["reason"],
            namespace=ns,
            registry=registry,
        )
        self.queue_depth = Gauge(
            "delivery_queue_depth",
            "Pending deliveries in the ledger (due now or waiting for a retry).",
            namespace=ns,
            registry=registry,
        )
        self.telegram_429_total = Counter(
            "telegram_429",
            "Calls Telegram answered with 429 Too Many Requests.",
            namespace=ns,
            registry=registry,
        )
        self.articles_ingested_total = Counter(
            "articles_ingested",
            "Articles written to the store (added, updated or restored).",
            namespace=ns,
            registry=registry,
        )
        self.articles_pruned_total = Counter(
            "articles_pruned",
            "Withdrawn articles deleted after ARTICLE_RETENTION_DAYS (a marker of each stays).",
            namespace=ns,
            registry=registry,
        )
        self.articles_rejected_total = Counter(
            "articles_rejected", "Article files rejected with an error.", namespace=ns, registry=registry
        )
        self.webhook_requests_total = Counter(
            "webhook_requests",
            "Requests to the webhook endpoint, by outcome.",
            ["outcome"],
            namespace=ns,
            registry=registry,
        )
        self.polling_conflicts_total = Counter(
            "polling_conflicts",
            "getUpdates calls Telegram ended with 409 Conflict: another process takes this bot's updates.",
            namespace=ns,
            registry=registry,
        )
        self.database_outages_total = Counter(
            "database_outages",
            "Times the database became unavailable (unreachable, locked, full or read-only).",
            namespace=ns,
            registry=registry,
        )
        self.database_retries_total = Counter(
            "database_retries",
            "Database work that failed during an outage and was retried.",
            namespace=ns,
            registry=registry,
        )
        self.database_unavailable = Gauge(
            "database_unavailable",
            "1 while the database is unavailable to this process, else 0.",
            namespace=ns,
            registry=registry,
        )
        self.send_rate = Gauge(
            "send_rate",
            "Sends a second this process may make now: its share of Telegram's limit, lowered after a 429.",
            namespace=ns,
            registry=registry,
        )
        self.send_paused = Gauge(
            "send_paused_seconds",
            "Seconds every send of this process still waits because of a 429 (0: none).",
            namespace=ns,
            registry=registry,
        )
        # Every known series exists from the start, at zero, so rate() and alerts see them before the event.
        for kind in UPDATE_TYPES:
            self.updates_total.labels(kind)
        for outcome in DELIVERY_OUTCOMES:
            self.deliveries_total.labels(outcome)
        for webhook_outcome in WEBHOOK_OUTCOMES:
            self.webhook_requests_total.labels(webhook_outcome)

    # -- recording ------------------------------------------------------------------------------

    def count_update(self, update: object) -> None:
        self.updates_total.labels(update_type(update)).inc()

    def observe_command(self, command: str, seconds: float) -> None:
        self.command_seconds.labels(command).observe(seconds)

    def count_delivery(self, outcome: DeliveryOutcome, count: int = 1) -> None:
        """Ledger rows closed with ``outcome``; a digest closing five rows counts five."""
        if outcome not in DELIVERY_OUTCOMES:
            raise ValueError(f"unknown delivery outcome {outcome!r}")
        if count:
            self.deliveries_total.labels(outcome).inc(count)

    def count_pruned(self, count: int) -> None:
        """Ledger rows one retention pass deleted."""
        if count:
            self.deliveries_pruned_total.inc(count)

    def count_articles_pruned(self, count: int) -> None:
        """Articles one article retention pass deleted."""
        if count:
            self.articles_pruned_total.inc(count)

    def count_send_failure(self, reason: str) -> None:
        """One refused push attempt; ``reason`` is the failure's kind (``Failure.value``), never its text."""
        self.deliveries_failed_total.labels(reason_label(reason)).inc()

    def watch_pacing(self, rate: Callable[[], float], pause: Callable[[], float]) -> None:
        """Read the pacer's rate and 429 pause at every scrape."""
        self.send_rate.set_function(rate)
        self.send_paused.set_function(pause)

    def count_rate_limited(self) -> None:
        self.telegram_429_total.inc()

    def count_articles(self, *, ingested: int = 0, rejected: int = 0) -> None:
        """From a sync report: ``ingested = added + updated + restored``, ``rejected = errors``."""
        if ingested:
            self.articles_ingested_total.inc(ingested)
        if rejected:
            self.articles_rejected_total.inc(rejected)

    def count_webhook(self, outcome: WebhookOutcome) -> None:
        self.webhook_requests_total.labels(outcome).inc()

    def count_polling_conflict(self) -> None:
        self.polling_conflicts_total.inc()

    def count_database_retry(self) -> None:
        self.database_retries_total.inc()

    def database_outage_started(self) -> None:
        self.database_outages_total.inc()
        self.database_unavailable.set(1)

    def database_outage_ended(self) -> None:
        self.database_unavailable.set(0)

    def set_queue_depth(self, pending: int) -> None:
        self.queue_depth.set(pending)

    # -- PTB glue -------------------------------------------------------------------------------

    def update_handler(self) -> TypeHandler[Update, Any, None]:
        """A handler counting every update; register it in a group before all others (it never stops one)."""

        async def count(update: Update, _context: Any) -> None:
            self.count_update(update)

        return TypeHandler(Update, count)

    def timed(self, command: str, callback: HandlerCallback[R]) -> HandlerCallback[R]:
        """``callback`` observed in ``command_seconds`` under ``command``, whether it returns or raises."""
        histogram = self.command_seconds.labels(command)

        async def run(update: Update, context: Any) -> R:
            with histogram.time():
                return await callback(update, context)

        return run

    # -- exposition -----------------------------------------------------------------------------

    async def refresh(self, timeout: float = REFRESH_TIMEOUT) -> None:  # noqa: ASYNC109 - a scrape must not hang
        """Bring ``queue_depth`` up to date; on failure it keeps its last value (the scrape still works)."""
        if self._pending_deliveries is None:
            return
        try:
            pending = await asyncio.wait_for(self._pending_deliveries(), timeout)
        except Exception:
            log.warning("metrics: counting pending deliveries failed", exc_info=True)
            return
        self.queue_depth.set(pending)

    def render(self) -> bytes:
        """Everything in the Prometheus text format (``prometheus_client.CONTENT_TYPE_LATEST``)."""
        return generate_latest(self.registry)
