"""Every chat's explicit choice of language (/settings), held in memory by the process that answers readers.

Each update is answered in its chat's language, so reading the choice cost one query per update. Few chats
choose one (the others follow their Telegram language), so the choices are read once and kept. Whatever
changes a choice (/settings, forgetting a chat, a group's move to a new id) bumps ``languages_version`` in
the same transaction; the process that made the change updates its map at once, and any process reads the
version at most every ``recheck_seconds`` and reloads the choices when another moved it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.database import Database
from storage.db.models import ChatPreferences
from storage.db.versions import VersionWatch, bump_version, read_version

VERSION_KEY = "languages_version"


async def bump_languages_version(session: AsyncSession) -> None:
    """Tell every process that some chat's choice of language changed."""
    await bump_version(session, VERSION_KEY)


class LanguageChoices:
    """chat id -> the language it chose; a chat without a choice is absent (None: Telegram's language)."""

    def __init__(
        self,
        db: Database,
        *,
        recheck_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self._watch = VersionWatch(recheck_seconds, monotonic)
        self._choices: dict[int, str] | None = None
        self._version: str | None = None
        self._lock = asyncio.Lock()
        self.loads = 0

    async def get(self, chat_id: int, session: AsyncSession | None = None) -> str | None:
        """The chat's choice; ``session`` (if the caller has one open) reads the version when it is due."""
        if self._choices is None or self._watch.due():
            await self._refresh(session)
        assert self._choices is not None
        return self._choices.get(chat_id)

    def known(self, chat_id: int) -> str | None:
        """The chat's choice as last read, without asking the database (which may be unavailable)."""
        return None if self._choices is None else self._choices.get(chat_id)

    def changed(self, chat_id: int, language: str | None) -> None:
        """This process changed (or removed) a chat's choice, in a transaction that bumped the version."""
        if self._choices is not None:
            if language is None:
                self._choices.pop(chat_id, None)
            else:
                self._choices[chat_id] = language
        self._watch.expire()  # take in the bumped version (and any other change) on the next use

    async def _refresh(self, session: AsyncSession | None) -> None:
        started = self._watch.started()
        if session is None:
            async with self.db.read() as own:
                version = await read_version(own, VERSION_KEY)
        else:
            version = await read_version(session, VERSION_KEY)
        async with self._lock:
            if self._choices is None or version != self._version:
                # In its own transaction, version first: a change committed meanwhile is read again later.
                async with self.db.read_bulk() as bulk:
                    self._version = await read_version(bulk, VERSION_KEY)
                    rows = await bulk.execute(
                        select(ChatPreferences.chat_id, ChatPreferences.language).where(
                            ChatPreferences.language.is_not(None)
                        )
                    )
                    self._choices = {chat_id: language for chat_id, language in rows if language}
                self.loads += 1
            self._watch.read(started)
