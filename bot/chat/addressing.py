"""Whom a command is for: ``/cmd`` (anyone), ``/cmd@this_bot`` (us) or ``/cmd@another_bot`` (not us).

In a group Telegram passes commands to every bot there (privacy mode lets them through), so each bot tells
its own from the others': ``/cmd@another_bot`` is never ours, and a bare command we do not have is
probably another bot's, so in a group it gets no "unknown command" hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Telegram's rule for a command at the start of a message: "/" and up to 64 letters, digits or "_",
# optionally "@" and a bot's username, not glued to a following word, slash or angle bracket.
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,32})|(?!@))(?![\w/<>])")


@dataclass(frozen=True, slots=True)
class CommandCall:
    """The command a message starts with: its name (lower case) and the bot it names, if any."""

    name: str
    addressee: str | None = None

    def is_for(self, username: str) -> bool:
        """Whether a bot with this username should take it (usernames ignore case)."""
        return self.addressee is None or self.addressee.casefold() == username.casefold()

    def names(self, username: str) -> bool:
        """Whether the command names this bot explicitly (``/cmd@username``)."""
        return self.addressee is not None and self.addressee.casefold() == username.casefold()


def parse_command(text: str | None) -> CommandCall | None:
    """The command ``text`` starts with, or None for anything else (plain text, a slash mid-sentence)."""
    if not text:
        return None
    match = _COMMAND.match(text)
    if match is None:
        return None
    return CommandCall(match.group(1).lower(), match.group(2))
