"""The running bot: resources created at start-up and closed at shutdown, in one place.

``newsbot run`` and the end-to-end tests both go through ``BotRuntime``, so tests exercise the same wiring
the operator runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiohttp import web
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, all_commands, build_application
from bot.chat.context import BotDeps, Clock
from bot.chat.flood import FloodGate
from bot.chat.group_admins import GroupAdmins
from bot.chat.profile import ProfilePublisher, wanted_profiles
from bot.ops.alerts import OperatorAlerts
from bot.ops.channels import ChannelDirectory
from bot.ops.config import ConfigError, Settings
from bot.ops.metrics import Metrics
from bot.ops.outages import Backoff, DatabaseOutages
from bot.ops.schema_check import prepare_schema
from bot.ops.sync_reports import alert_hold, alert_rejected, log_report
from bot.ops.watcher import ContentWatcher
from bot.push.budget import SharedBudget
from bot.push.senders import FleetSettings, SenderFleet
from bot.push.service import PushService
from bot.telegram.pacing import Pacer
from bot.telegram.polling import EXIT_DUPLICATE_POLLER, PollingGuard, UpdatesRequest
from bot.texts.registry import LANGUAGES
from bot.web import (
    WebhookConfig,
    bound_port,
    build_web_app,
    derive_webhook_secret,
    health_from_runtime,
    pending_deliveries,
    start_web,
    stop_web,
    webhook_path,
)
from storage.catalog.report import SyncReport
from storage.catalog.sync import ContentSync
from storage.catalog.topic_directory import TopicDirectoryCache
from storage.db.database import Database
from storage.readers.languages import LanguageChoices

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]
# all: one process does everything; updates: readers' updates and content, no pushes; sender: pushes only.
Role = Literal["all", "updates", "sender"]
ROLES: tuple[Role, ...] = ("all", "updates", "sender")
STOP_GRACE_SECONDS = 20.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class BotRuntime:
    """Database, content sync and watcher, the push loops, the web server, and the PTB application."""

    def __init__(
        self,
        settings: Settings,
        *,
        mode: Mode | None = None,
        role: Role = "all",
        clock: Clock = utc_now,
        force_polling: bool | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` is the time of day (schedules, the ledger); ``monotonic`` paces sends and measures
        windows (flood control, the admin cache, alert intervals)."""
        self.settings = settings
        self.role = role
        self.serves_updates = role in ("all", "updates")
        self.sends_pushes = role in ("all", "sender")
        self.mode: Mode = mode or ("webhook" if settings.webhook_url else "polling")
        if self.serves_updates and self.mode == "webhook" and not settings.webhook_url:
            raise ValueError("webhook mode needs WEBHOOK_URL")
        self.clock = clock
        token = settings.require_token()
        self.db = Database(
            settings.database_url, busy_timeout_ms=round(settings.database_busy_seconds * 1000)
        )
        self.metrics = Metrics(pending_deliveries=pending_deliveries(self.db))
        # Every part that uses the database waits its outages out through this (docs/operations.md).
        self.outages = DatabaseOutages(
            self.db.label,
            self.db.probe,
            metrics=self.metrics,
            backoff=Backoff(cap=settings.database_retry_max_seconds),
            alert_after=settings.database_alert_seconds,
            monotonic=monotonic,
        )
        # Set by SIGINT/SIGTERM (``run_bot``), or when this process turns out to be a second poller.
        self.stopping = asyncio.Event()
        self.exit_status = 0
        self.polling = PollingGuard(self.metrics.count_polling_conflict, on_duplicate=self._duplicate_poller)
        self.sync = ContentSync(
            self.db,
            settings.content_dir,
            display_prefix=settings.content_dir.as_posix(),
            max_bytes=settings.max_article_bytes,
            clock=clock,
            # A file is taken once it has stopped changing for one debounce interval.
            settle_seconds=settings.watch_debounce_ms / 1000,
            corrections=settings.correction_window if settings.corrections else None,
            excludes=settings.content_exclude,
            withdraw_guard=settings.withdraw_guard,
        )
        self.watcher = ContentWatcher(
            self.sync,
            on_report=self._on_report,
            debounce_ms=settings.watch_debounce_ms,
            rescan_seconds=settings.rescan_seconds,
            force_polling=force_polling,
            outages=self.outages,
        )
        pacer = Pacer(settings.pacing_limits(), monotonic)
        self.channels = ChannelDirectory(
            self.db,
            settings.content_dir,
            clock=clock,
            languages=LANGUAGES,
            display_prefix=settings.content_dir.as_posix(),
            access=settings.access,
        )
        self.sync.before_fanout = self.channels.follow_file
        deps = BotDeps(
            settings=settings,
            db=self.db,
            clock=clock,
            flood=FloodGate(settings.flood_commands_per_minute, clock=monotonic),
            pacer=pacer,
            metrics=self.metrics,
            topics=TopicDirectoryCache(self.db),
            languages=LanguageChoices(self.db),
            resync=functools.partial(self.watcher.sync_now, settle=False),
            confirm_withdraw=self.watcher.confirm_withdraw,
            admins=GroupAdmins(clock=monotonic),
            channels=self.channels,
            outages=self.outages,
        )
        self.application: Application = build_application(  # type: ignore[type-arg]
            deps, token, webhook=self.mode == "webhook", updates_request=UpdatesRequest(self.polling)
        )
        self.fleet = SenderFleet(
            self.db,
            FleetSettings(
                role=role,
                lease=timedelta(seconds=settings.sender_lease_seconds),
                single=self.db.is_sqlite,
            ),
            clock=clock,
            share=lambda: pacer.rate,
        )
        self.metrics.watch_pacing(lambda: pacer.rate, pacer.adaptive.pause)
        # Telegram's rate, shared with the other processes of the deployment as each needs it.
        self.budget = SharedBudget(
            self.db,
            pacer,
            process_id=self.fleet.id,
            role=role,
            push_cap=settings.push_rate,
            clock=clock,
            outages=self.outages,
        )
        self.pushes = PushService(
            settings,
            self.db,
            self.application.bot,
            pacer,
            clock=clock,
            metrics=self.metrics,
            fleet=self.fleet,
            outages=self.outages,
        )
        self.alerts = OperatorAlerts(
            self.application.bot,
            settings.admin_ids,
            enabled=settings.alerts,
            interval=settings.alert_interval_seconds,
            failure_spike=settings.alert_failure_spike,
            clock=monotonic,
        )
        self.pushes.worker.on_failed = self.alerts.send_failed
        self.outages.on_alert = self.alerts.database
        self.fleet.outages = self.outages
        self.pushes.worker.on_blocked = self.channels.send_refused
        self.channels.alert = self.alerts.channel_problem
        # The description, short description and command menu Telegram shows, in every language.
        self.profile = ProfilePublisher(
            self.application.bot, wanted_profiles(all_commands(), settings.profile)
        )
        self.webhook_secret = settings.webhook_secret or derive_webhook_secret(token)
        self.web: web.AppRunner | None = None
        self._joined = False
        self._budgeted = False

    @property
    def web_port(self) -> int:
        """The port the web server listens on (useful when ``PORT`` is 0)."""
        assert self.web is not None, "the runtime is not started"
        return bound_port(self.web)

    def _duplicate_poller(self) -> None:
        self.exit_status = EXIT_DUPLICATE_POLLER
        self.stopping.set()

    async def _on_report(self, report: SyncReport) -> None:
        self.application.bot_data.deps.topics.expire()
        self._count(report)
        log_report(report)
        alert_rejected(report, self.alerts)
        alert_hold(report, self.alerts)
        if report.new_article_ids:
            self.pushes.worker.wake()
        await self._refresh_channels()

    async def _refresh_channels(self) -> None:
        """channels.yaml after a sync: a problem there is reported and never stops the content."""
        try:
            await self.channels.refresh(self.application.bot)
        except Exception:
            log.exception("channels: %s not applied; trying again at the next sync", self.channels.display)

    def _count(self, report: SyncReport) -> None:
        self.metrics.count_articles(
            ingested=report.added + report.updated + report.restored, rejected=report.errors
        )

    def _web_app(self) -> web.Application:
        settings = self.settings
        webhook = None
        if self.serves_updates and self.mode == "webhook":
            assert settings.webhook_url is not None
            webhook = WebhookConfig(
                path=webhook_path(settings.webhook_url, settings.webhook_path),
                secret=self.webhook_secret,
                bot=self.application.bot,
                queue=self.application.update_queue,
                max_pending=settings.webhook_max_pending,
            )
        health = health_from_runtime(
            self.db,
            watcher=self.watcher if self.serves_updates else None,
            worker=self.pushes.worker if self.sends_pushes else None,
            poller=self.polling if self.serves_updates and self.mode == "polling" else None,
            clock=self.clock,
            stall_after=timedelta(seconds=settings.health_stall_seconds),
            deliveries=self.sends_pushes,
            outages=self.outages,
        )
        return build_web_app(
            webhook=webhook, health=health, metrics=self.metrics, metrics_token=settings.metrics_token
        )

    async def start(self, *, push_existing: bool = False) -> None:
        """Start what this process's role runs; raises ``SingleSenderError`` (SQLite, a second sender)."""
        settings = self.settings
        # A database that is away at start-up is waited for, not a crash loop of restarts.
        try:
            await self.outages.retry(
                "starting up", functools.partial(prepare_schema, self.db, auto_migrate=settings.auto_migrate)
            )
        except ConfigError:
            await self.db.close()
            raise
        if self.sends_pushes:
            # First, so a refused second sender on SQLite stops before it touches anything else.
            await self.outages.retry("joining the senders", self.fleet.join)
            self._joined = True
        await self.outages.retry("sharing the send budget", self.budget.start)
        self._budgeted = True
        if self.serves_updates:
            settings.content_dir.mkdir(parents=True, exist_ok=True)
            # Everything present at start-up is read now, even files written a moment ago: the first sync
            # of an empty database is the baseline and must see the whole back catalogue.
            report = await self.outages.retry(
                "the start-up sync",
                functools.partial(self.sync.sync, push_existing=push_existing, settle=False),
            )
            self._count(report)
            log_report(report)
            # Built now rather than by the first reader's /topics (a grouped count over every article).
            deps = self.application.bot_data.deps
            async with self.db.read() as session:
                await deps.topics.current(session, deps.clock())
        await self.application.initialize()
        if self.serves_updates:
            alert_hold(report, self.alerts)  # the start-up sync's, now that the bot can send
            await self._refresh_channels()
            await self.profile.start()
            if self.mode == "polling":
                updater = self.application.updater
                assert updater is not None
                await updater.start_polling(
                    allowed_updates=list(ALLOWED_UPDATES),
                    drop_pending_updates=settings.drop_pending_updates,
                    error_callback=self.polling.error_callback,
                )
            await self.application.start()
        if self.sends_pushes:
            self.pushes.start(bot_username=self.application.bot.username)
        if self.serves_updates:
            await self.watcher.start()
        # A sender serves health and metrics only on SENDER_PORT: several may share one host.
        port = settings.port if self.serves_updates else settings.sender_port
        if port is not None:
            self.web = await start_web(self._web_app(), settings.host, port)
        if self.serves_updates and self.mode == "webhook":
            assert settings.webhook_url is not None
            await self.application.bot.set_webhook(
                settings.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=settings.drop_pending_updates,
            )
        log.info(
            "bot started (--role %s%s): @%s, %s",
            self.role,
            f", {self.mode}" if self.serves_updates else "",
            self.application.bot.username,
            f"http on port {self.web_port}" if self.web is not None else "no http server",
        )

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop taking updates and files, let in-flight sends finish (``grace`` seconds), close everything.

        The webhook endpoint closes first: an update accepted after the application stopped would be
        answered 200 and never handled. The webhook itself stays set, so Telegram keeps updates meanwhile.
        """
        if self.web is not None:
            await stop_web(self.web)
        if self.serves_updates:
            await self.watcher.stop()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.pushes.stop(grace)
        if self._joined:
            await self.fleet.leave()
        if self._budgeted:
            await self.budget.stop()
        await self.outages.close()
        await self.alerts.close()
        await self.profile.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.db.close()
        log.info("bot stopped")
