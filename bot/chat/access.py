"""Who a private deployment serves, decided per update, and the memory of whom it has refused today.

What counts: in a group, supergroup or channel, the chat itself (its id, or its username); its members do not
matter, operators included, because what a group follows is the group's. In a private chat, and for an
inline query or a button with no chat, the user: their id, their username, or an id of ``ADMIN_IDS``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from telegram import Update
from telegram.constants import ChatType

from bot.ops.access import AccessList

MAX_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class Visitor:
    """What an update says about where it comes from: its chat (if any) and its sender (if any)."""

    chat_id: int | None = None
    chat_type: str | None = None
    chat_username: str | None = None
    user_id: int | None = None
    user_username: str | None = None

    @classmethod
    def of(cls, update: Update) -> Visitor:
        chat, user = update.effective_chat, update.effective_user
        return cls(
            chat_id=None if chat is None else chat.id,
            chat_type=None if chat is None else chat.type,
            chat_username=None if chat is None else chat.username,
            user_id=None if user is None else user.id,
            user_username=None if user is None else user.username,
        )

    @property
    def key(self) -> int | None:
        """Whom a refusal is remembered for: the chat, else the user."""
        return self.chat_id if self.chat_id is not None else self.user_id


def admitted(visitor: Visitor, access: AccessList, admin_ids: frozenset[int]) -> bool:
    """Whether the deployment serves this update (always, unless it is private)."""
    if not access.private:
        return True
    if visitor.chat_id is not None and visitor.chat_type != ChatType.PRIVATE:
        return access.allows(visitor.chat_id, visitor.chat_username)
    if visitor.user_id is None:
        # A private chat always has its user; an update with neither names nobody to serve.
        return visitor.chat_id is not None and access.allows(visitor.chat_id, visitor.chat_username)
    return visitor.user_id in admin_ids or access.allows(visitor.user_id, visitor.user_username)


class DailyRefusals:
    """Remembers which chats were refused on which day, so each hears it at most once a day.

    Bounded: past ``max_remembered`` chats the oldest refusal is forgotten (that chat may hear it twice).
    """

    def __init__(self, max_remembered: int = MAX_REMEMBERED) -> None:
        self.max_remembered = max_remembered
        self._days: OrderedDict[int, date] = OrderedDict()

    def due(self, key: int, today: date) -> bool:
        """True (and remembered) when ``key`` has not been refused ``today`` yet."""
        if self._days.get(key) == today:
            return False
        self._days[key] = today
        self._days.move_to_end(key)
        while len(self._days) > self.max_remembered:
            self._days.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._days)
