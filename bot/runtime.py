"""The running bot: resources created at start-up and closed at shutdown, in one place.

``newsbot run`` and the end-to-end tests both go through ``BotRuntime``, so tests exercise the same wiring
the operator runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from datetime import UTC, datetime

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, publish_menu
from bot.config import Settings
from bot.context import BotDeps, Clock
from bot.flood import FloodGate
from bot.pacing import Pacer
from bot.push.messenger import TelegramMessenger
from bot.push.worker import DeliverySettings, DeliveryWorker
from bot.watcher import ContentWatcher
from storage.database import Database
from storage.sync import ContentSync, SyncReport

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def log_report(report: SyncReport) -> None:
    """Every problem on its own line; the summary only when something happened."""
    for diagnostic in report.diagnostics:
        (log.error if diagnostic.is_error else log.warning)("%s", diagnostic)
    if report.changes or report.errors:
        log.info("content: %s", report.summary_line())


class BotRuntime:
    """Database, content sync and watcher, and the PTB application polling Telegram."""

    def __init__(
        self, settings: Settings, *, clock: Clock = utc_now, force_polling: bool | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = Database(settings.database_url)
        self.sync = ContentSync(
            self.db,
            settings.content_dir,
            display_prefix=settings.content_dir.as_posix(),
            max_bytes=settings.max_article_bytes,
            clock=clock,
            # A file is taken once it has stopped changing for one debounce interval.
            settle_seconds=settings.watch_debounce_ms / 1000,
        )
        self.watcher = ContentWatcher(
            self.sync,
            on_report=self._on_report,
            debounce_ms=settings.watch_debounce_ms,
            rescan_seconds=settings.rescan_seconds,
            force_polling=force_polling,
        )
        deps = BotDeps(
            settings=settings,
            db=self.db,
            clock=clock,
            flood=FloodGate(settings.flood_commands_per_minute),
            pacer=Pacer(settings.pacing_limits()),
            resync=functools.partial(self.watcher.sync_now, settle=False),
        )
        self.application: Application = build_application(deps, settings.require_token())  # type: ignore[type-arg]
        self.worker = DeliveryWorker(
            self.db,
            TelegramMessenger(self.application.bot),
            deps.pacer,
            DeliverySettings(
                concurrency=settings.push_concurrency,
                digest_threshold=settings.digest_threshold,
                max_attempts=settings.push_max_attempts,
                backoff_base=settings.push_backoff_base,
                backoff_cap=settings.push_backoff_cap,
                poll_seconds=settings.push_poll_seconds,
                max_age=settings.push_max_age,
            ),
            clock=clock,
        )

    async def _on_report(self, report: SyncReport) -> None:
        log_report(report)
        if report.new_article_ids:
            self.worker.wake()

    async def start(self, *, push_existing: bool = False) -> None:
        self.settings.content_dir.mkdir(parents=True, exist_ok=True)
        await self.db.create_schema()
        # Everything present at start-up is read now, even files written a moment ago: the first sync of
        # an empty database is the baseline and must see the whole back catalogue.
        log_report(await self.sync.sync(push_existing=push_existing, settle=False))
        await self.application.initialize()
        await publish_menu(self.application)
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        await self.application.start()
        self.worker.start()
        await self.watcher.start()
        log.info("bot started: @%s", self.application.bot.username)

    async def stop(self, grace: float = 20.0) -> None:
        """Stop taking updates and files, let in-flight sends finish (``grace`` seconds), close everything."""
        await self.watcher.stop()
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.worker.stop(grace)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.db.close()
        log.info("bot stopped")


async def run_bot(settings: Settings, *, push_existing: bool = False) -> int:
    """Run until SIGINT or SIGTERM."""
    runtime = BotRuntime(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await runtime.start(push_existing=push_existing)
    try:
        await stopping.wait()
    finally:
        await runtime.stop()
    return 0
