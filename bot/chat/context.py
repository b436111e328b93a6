"""What handlers can reach: typed dependencies on a custom PTB context, and per-chat update ordering."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor, CallbackContext, ExtBot

from bot.chat.access import DailyRefusals
from bot.chat.flood import FloodGate
from bot.chat.group_admins import GroupAdmins
from bot.ops.channels import ChannelDirectory
from bot.ops.config import Settings
from bot.ops.metrics import Metrics
from bot.ops.outages import DatabaseOutages
from bot.telegram.pacing import Pacer
from bot.texts.en import Texts
from bot.texts.registry import texts_for
from storage.catalog.report import SyncReport
from storage.catalog.topic_directory import TopicDirectory, TopicDirectoryCache
from storage.db.database import Database
from storage.readers.chats import register_chat
from storage.readers.languages import LanguageChoices

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class BotDeps:
    """Shared resources, created at start-up and closed at shutdown by ``bot.runtime``."""

    settings: Settings
    db: Database
    clock: Clock
    flood: FloodGate
    pacer: Pacer
    metrics: Metrics
    # Every topic with its counts and aliases, rebuilt when the content changes (storage/catalog/topic_directory.py).
    topics: TopicDirectoryCache
    # Every chat's choice of language in /settings (storage/readers/languages.py).
    languages: LanguageChoices
    # Re-sync the content folder now (``/reload``); None in a process that does not own the folder.
    resync: Callable[[], Awaitable[SyncReport]] | None = None
    # ``/withdraw_confirm``: sync, withdrawing what the last sync held; None when it held nothing
    # (bot/ops/watcher.py). None itself in a process that does not own the folder.
    confirm_withdraw: Callable[[], Awaitable[SyncReport | None]] | None = None
    # Who administers each group, asked of Telegram and remembered briefly (bot/chat/handlers/groups.py).
    admins: GroupAdmins = field(default_factory=GroupAdmins)
    # The channels of content/channels.yaml; None where nothing manages them.
    channels: ChannelDirectory | None = None
    # The database's outages as this process sees them (bot/ops/outages.py); None in tests that need none.
    outages: DatabaseOutages | None = None
    # Private deployments: whom the access guard refused today (bot/chat/handlers/access.py).
    refusals: DailyRefusals = field(default_factory=DailyRefusals)


class BotData:
    """``application.bot_data``: holds the dependencies so handlers get them typed."""

    def __init__(self) -> None:
        self._deps: BotDeps | None = None

    @property
    def deps(self) -> BotDeps:
        if self._deps is None:
            raise RuntimeError("bot dependencies used before the application was wired")
        return self._deps

    def attach(self, deps: BotDeps) -> None:
        self._deps = deps


class NewsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives (PTB builds one per update)."""

    def __init__(
        self,
        application: Application[ExtBot[None], NewsContext, dict[Any, Any], dict[Any, Any], BotData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        # The chat's catalogue, once ``texts_of`` has looked it up for this update.
        self.texts: Texts | None = None

    @property
    def deps(self) -> BotDeps:
        return self.bot_data.deps


async def register_sender(session: AsyncSession, update: Update, now: datetime) -> None:
    """Make sure the update's chat is registered (id, kind, language), reactivating it if it was blocked."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        await register_chat(session, chat.id, chat.type, user.language_code if user else None, now)


async def topic_directory(context: NewsContext, session: AsyncSession) -> TopicDirectory:
    """The topics as they are now, read through ``session`` (one version check, rarely a rebuild)."""
    return await context.deps.topics.current(session, context.deps.clock())


async def texts_of(update: Update, context: NewsContext, session: AsyncSession | None = None) -> Texts:
    """The catalogue of the update's chat: its choice in /settings, else the sender's Telegram language.

    The choices are held in memory (``BotDeps.languages``); a handler with a session open passes it, for
    the occasional check that no other process changed one.
    """
    if context.texts is None:
        chat = update.effective_chat
        choice = None if chat is None else await context.deps.languages.get(chat.id, session)
        context.texts = chosen_texts(update, choice)
    return context.texts


def chosen_texts(update: Update, choice: str | None) -> Texts:
    """The catalogue for a chat's choice of language (None: the update's sender's Telegram language)."""
    user = update.effective_user
    return texts_for(choice or (user.language_code if user else None))


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Handles updates concurrently, but those of one chat one at a time, in arrival order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up: locks are created per chat on demand."""

    async def shutdown(self) -> None:
        """Nothing to release."""
