"""The loops a sending process runs: the delivery worker, corrections of sent pushes and retention.

Built from the settings in one place and started and stopped together by ``bot.runtime``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram.ext import ExtBot

from bot.chat.context import Clock
from bot.ops.config import Settings
from bot.ops.metrics import Metrics
from bot.ops.outages import DatabaseOutages
from bot.push.access import PushAccess, username_of
from bot.push.corrections import CorrectionSettings, CorrectionWorker
from bot.push.messenger import TelegramMessenger
from bot.push.retention import RetentionWorker
from bot.push.senders import SenderFleet
from bot.push.worker import DeliverySettings, DeliveryWorker
from bot.telegram.pacing import Pacer
from storage.db.database import Database


class PushService:
    """The delivery worker, and corrections and retention when the settings turn them on."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        bot: ExtBot[Any],
        pacer: Pacer,
        *,
        clock: Clock,
        metrics: Metrics,
        fleet: SenderFleet,
        outages: DatabaseOutages,
    ) -> None:
        self.worker = DeliveryWorker(
            db,
            TelegramMessenger(bot, paid_broadcast=settings.push_paid_broadcast),
            pacer,
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
            metrics=metrics,
            fleet=fleet,
            outages=outages,
            access=PushAccess(settings.access, settings.admin_ids, username_of(bot), clock=clock),
        )
        self.corrections = (
            CorrectionWorker(
                db,
                TelegramMessenger(bot),
                pacer,
                self.worker.articles,
                CorrectionSettings.from_settings(settings),
                clock=clock,
            )
            if settings.corrections
            else None
        )
        if self.corrections is not None:
            self.corrections.outages = outages
        # The sending process keeps the ledger and the store bounded (RETENTION_DAYS, ARTICLE_RETENTION_DAYS).
        self.retention = (
            RetentionWorker(
                db,
                settings.retention,
                articles=settings.article_retention,
                clock=clock,
                metrics=metrics,
            )
            if settings.retention is not None or settings.article_retention is not None
            else None
        )
        if self.retention is not None:
            self.retention.outages = outages

    def start(self, *, bot_username: str) -> None:
        """Start every loop the settings turned on; ``bot_username`` goes into channel pushes' follow links."""
        self.worker.start(bot_username=bot_username)
        if self.corrections is not None:
            self.corrections.start(bot_username=bot_username)
        if self.retention is not None:
            self.retention.start()

    async def stop(self, grace: float) -> None:
        """Stop them all at once, letting in-flight sends finish for up to ``grace`` seconds."""
        stopping: list[Awaitable[None]] = [self.worker.stop(grace)]
        if self.corrections is not None:
            stopping.append(self.corrections.stop(grace))
        if self.retention is not None:
            stopping.append(self.retention.stop())
        await asyncio.gather(*stopping)
