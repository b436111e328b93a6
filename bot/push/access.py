"""A private deployment's pushes: only to the chats it serves.

The guard in ``bot/chat/handlers/access.py`` keeps outsiders from subscribing, but a bot made private after it
was public still has the readers it had. Their pushes stop at the last check before a send: a chat whose id
is listed in ``ALLOWED_CHATS`` (or, for a private chat, in ``ADMIN_IDS``) is served at once; any other is
served only if ``ALLOWED_USERNAMES`` lists its username. The bot stores no usernames, so it asks Telegram
(``getChat``) and remembers the answer for a day. When Telegram cannot say (a network error, a chat that
blocked the bot), the push is let through: the reader was served before, and a blocked chat's send fails on
its own.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.chat.context import Clock
from bot.ops.access import AccessList

log = logging.getLogger(__name__)

UsernameLookup = Callable[[int], Awaitable[str | None]]
REMEMBER_FOR = timedelta(days=1)
MAX_REMEMBERED = 10_000


class PushAccess:
    """Which chats with pushes due a private deployment no longer serves."""

    def __init__(
        self,
        access: AccessList,
        admin_ids: frozenset[int],
        username_of: UsernameLookup,
        *,
        clock: Clock,
        max_remembered: int = MAX_REMEMBERED,
    ) -> None:
        self.access = access
        self.admin_ids = admin_ids
        self.username_of = username_of
        self.clock = clock
        self.max_remembered = max_remembered
        self._decided: OrderedDict[int, tuple[bool, datetime]] = OrderedDict()  # chat -> (allowed, when)

    async def outsiders(self, chat_ids: Iterable[int]) -> set[int]:
        """The chats of ``chat_ids`` the deployment does not serve (none, unless it is private)."""
        if not self.access.private:
            return set()
        return {chat_id for chat_id in set(chat_ids) if not await self._allowed(chat_id)}

    async def _allowed(self, chat_id: int) -> bool:
        if chat_id in self.access.chat_ids or (chat_id > 0 and chat_id in self.admin_ids):
            return True
        if not self.access.usernames:
            return False
        now = self.clock()
        known = self._decided.get(chat_id)
        if known is not None and now - known[1] < REMEMBER_FOR:
            return known[0]
        try:
            username = await self.username_of(chat_id)
        except TelegramError as error:
            log.info("chat %d: its username is unknown (%s); its push goes out", chat_id, error)
            return True
        allowed = self.access.allows(chat_id, username)
        self._decided[chat_id] = (allowed, now)
        self._decided.move_to_end(chat_id)
        while len(self._decided) > self.max_remembered:
            self._decided.popitem(last=False)
        if not allowed:
            log.info("chat %d is not served by this private deployment: its pushes are cancelled", chat_id)
        return allowed


def username_of(bot: ExtBot[Any]) -> UsernameLookup:
    """A chat's username as Telegram's ``getChat`` tells it (``None``: it has none)."""

    async def lookup(chat_id: int) -> str | None:
        return (await bot.get_chat(chat_id)).username

    return lookup
