"""Private deployments: ``ALLOWED_CHATS`` and ``ALLOWED_USERNAMES``, parsed and asked "is this chat allowed?".

With neither set the bot serves everyone. With either, it serves only the chats (users, groups, channels)
whose id or username is listed; the guard in ``bot/chat/handlers/access.py`` turns everyone else away, and
``bot/ops/channels.py`` leaves out the channels of ``channels.yaml`` that are not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Telegram's chat ids are non-zero and fit in 52 bits; groups and channels are negative.
_CHAT_ID = re.compile(r"-?[1-9][0-9]{0,15}")
# Usernames: 4 to 32 characters of letters, digits and underscores, starting with a letter (Telegram's rule;
# 4 for the short collectible ones).
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


@dataclass(frozen=True, slots=True)
class AccessList:
    """Who a private deployment serves: chat ids and (case-folded, without ``@``) usernames."""

    chat_ids: frozenset[int] = field(default_factory=frozenset)
    usernames: frozenset[str] = field(default_factory=frozenset)

    @property
    def private(self) -> bool:
        """True when the deployment serves only the listed chats."""
        return bool(self.chat_ids or self.usernames)

    def allows(self, chat_id: int, username: str | None = None) -> bool:
        """Whether a chat (a user's private chat, a group, a channel) is served: always, unless private."""
        if not self.private or chat_id in self.chat_ids:
            return True
        return username is not None and username.casefold() in self.usernames


def parse_access(allowed_chats: str, allowed_usernames: str) -> tuple[AccessList, list[str]]:
    """The access list from the two variables' values, and one problem line per bad item."""
    problems: list[str] = []
    chat_ids: set[int] = set()
    for item in _items(allowed_chats):
        if _CHAT_ID.fullmatch(item):
            chat_ids.add(int(item))
        else:
            problems.append(
                f"ALLOWED_CHATS: {item!r} is not a Telegram chat id "
                "(a user's id, or a group's or channel's negative id such as -1001234567890)"
            )
    usernames: set[str] = set()
    for item in _items(allowed_usernames):
        name = item.removeprefix("@")
        if _USERNAME.fullmatch(name):
            usernames.add(name.casefold())
        else:
            problems.append(
                f"ALLOWED_USERNAMES: {item!r} is not a Telegram username "
                "(4-32 letters, digits or underscores, starting with a letter; the @ is optional)"
            )
    return AccessList(frozenset(chat_ids), frozenset(usernames)), problems


def _items(value: str) -> list[str]:
    return [item for item in (part.strip() for part in value.split(",")) if item]
