"""Who administers a group: asked of Telegram (getChatMember) and remembered briefly.

Only a group's administrators change its topics and settings. Asking Telegram on every command would cost a
call each time; remembering for ``ttl`` seconds (60 by default) means a demoted admin keeps their say for
at most that long.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from telegram import ChatMember
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
DEFAULT_TTL = 60.0
MAX_REMEMBERED = 10_000


class MemberLookup(Protocol):
    """The one Bot API call this needs (PTB's ``Bot`` has it)."""

    def get_chat_member(self, chat_id: int | str, user_id: int) -> Awaitable[ChatMember]: ...


class GroupAdmins:
    """Answers "is this user an administrator of this group?", each answer kept for ``ttl`` seconds."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        max_remembered: int = MAX_REMEMBERED,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_remembered = max_remembered
        self._answers: OrderedDict[tuple[int, int], tuple[bool, float]] = OrderedDict()

    async def is_admin(self, bot: MemberLookup, chat_id: int, user_id: int) -> bool:
        """True for the group's creator and administrators; a lookup Telegram refuses counts as "no"."""
        key = (chat_id, user_id)
        now = self.clock()
        remembered = self._answers.get(key)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except (BadRequest, Forbidden) as error:
            log.warning("admin check in chat %d failed: %s", chat_id, error)
            return False  # not remembered: the next command asks again
        answer = member.status in ADMIN_STATUSES
        self._answers[key] = (answer, now + self.ttl)
        self._answers.move_to_end(key)
        while len(self._answers) > self.max_remembered:
            self._answers.popitem(last=False)
        return answer
