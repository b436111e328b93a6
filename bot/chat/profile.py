"""The bot's profile on Telegram: its description, short description and command menu, in every language.

The description fills the empty chat before a reader's first /start, the short description the bot's
profile page and the card of a shared link, the menu sits next to the text field. Each is set for every
reader (``language_code`` empty: English) and for each other language of the catalogue (German), from the
catalogue or from the operator's ``BOT_DESCRIPTION…`` variables.

At start-up :class:`ProfilePublisher` reads what Telegram has (getMyDescription, getMyShortDescription,
getMyCommands for each language) and writes only what differs, so a restart with nothing changed makes no
set* call. A failure never stops the bot: it is one log line, and a network failure or Telegram's own
trouble is tried again in the background with capped backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import Bot, BotCommand
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.chat.commands import Command
from bot.ops.config import ProfileTexts
from bot.ops.outages import Backoff
from bot.texts.en import ENGLISH, Texts
from bot.texts.registry import LANGUAGES, texts_for

log = logging.getLogger(__name__)

EVERYONE = ""  # the language code of what readers without a language of their own see: English
Part = Literal["description", "short_description", "commands"]
PARTS: tuple[Part, ...] = ("description", "short_description", "commands")
MenuEntry = tuple[str, str]  # (command, description)
# A handful of calls: tried again after a minute, then less and less often, at most hourly.
RETRY = Backoff(initial=60.0, cap=3600.0)


@dataclass(frozen=True, slots=True)
class Profile:
    """What readers of one language see of the bot; None: left as Telegram has it."""

    description: str | None
    short_description: str | None
    commands: tuple[MenuEntry, ...] | None


def menu(commands: Sequence[Command], texts: Texts = ENGLISH) -> list[BotCommand]:
    """Telegram's command menu in ``texts``' language: every command but the admins'."""
    return [BotCommand(c.name, texts.describe(c.name, c.description)) for c in commands if not c.admin_only]


def wanted_profiles(commands: Sequence[Command], own: ProfileTexts) -> dict[str, Profile]:
    """Each language code's profile: every reader's (English), each other catalogue language's, then each
    language the operator wrote a text for that has no catalogue (only those texts are set for it).

    The operator's text for a language comes first, then the one for every reader, then the catalogue's.
    """
    wanted: dict[str, Profile] = {}
    for language in LANGUAGES:
        texts = texts_for(language)
        wanted[EVERYONE if language == "en" else language] = Profile(
            description=_first(
                own.description(language), own.description(EVERYONE), last=texts.bot_description
            ),
            short_description=_first(
                own.short_description(language),
                own.short_description(EVERYONE),
                last=texts.bot_short_description,
            ),
            commands=tuple((entry.command, entry.description) for entry in menu(commands, texts)),
        )
    for language in sorted(own.languages - set(LANGUAGES)):
        wanted[language] = Profile(own.description(language), own.short_description(language), None)
    return wanted


def changes(wanted: Profile, current: Profile) -> list[Part]:
    """The parts to write: those wanted that Telegram does not already have."""
    return [
        part
        for part in PARTS
        if getattr(wanted, part) is not None and getattr(wanted, part) != getattr(current, part)
    ]


class ProfilePublisher:
    """Makes Telegram's profile of the bot match ``wanted``, reading first and writing only what differs."""

    def __init__(self, bot: Bot, wanted: Mapping[str, Profile], *, backoff: Backoff = RETRY) -> None:
        self.bot = bot
        self.wanted = dict(wanted)
        self.backoff = backoff
        self._pause = 0.0  # before the next pass, after a failure
        self._retrying: asyncio.Task[None] | None = None

    @property
    def retrying(self) -> bool:
        """Whether a pass failed and another waits in the background."""
        return self._retrying is not None and not self._retrying.done()

    async def start(self) -> None:
        """One pass now; after a passing failure, more in the background until one succeeds."""
        if not await self._attempt(0):
            self._retrying = asyncio.create_task(self._retry(), name="bot profile")

    async def stop(self) -> None:
        """Cancel a retry still waiting."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
            self._retrying = None

    async def publish(self) -> list[tuple[str, Part]]:
        """One pass over every language; the (language code, part) written."""
        written: list[tuple[str, Part]] = []
        for language, wanted in self.wanted.items():
            current = await self._current(language, wanted)
            for part in changes(wanted, current):
                await self._write(language, part, wanted)
                written.append((language, part))
        if written:
            log.info(
                "bot profile: set %s",
                ", ".join(f"{part} ({language or 'every reader'})" for language, part in written),
            )
        return written

    async def _retry(self) -> None:
        attempt = 1
        while not await self._attempt(attempt):
            attempt += 1

    async def _attempt(self, attempt: int) -> bool:
        """Pass number ``attempt`` (0: at start-up, no wait); False after a failure another pass may mend
        (the network, Telegram's trouble), told in one line with the wait before the next."""
        if attempt:
            await asyncio.sleep(self._pause)
        try:
            await self.publish()
        except BadRequest as refused:
            log.warning("bot profile not published: Telegram refused it (%s)", refused.message)
        except (RetryAfter, NetworkError) as failure:
            self._pause = self.backoff.delay(attempt)
            log.warning(
                "bot profile not published (%s); trying again in %.0f s", failure.message, self._pause
            )
            return False
        except TelegramError as failure:
            log.warning("bot profile not published: %s", failure.message)
        return True

    async def _current(self, language: str, wanted: Profile) -> Profile:
        code = language or None
        description = short = commands = None
        if wanted.description is not None:
            description = (await self.bot.get_my_description(language_code=code)).description
        if wanted.short_description is not None:
            short = (await self.bot.get_my_short_description(language_code=code)).short_description
        if wanted.commands is not None:
            listed = await self.bot.get_my_commands(language_code=code)
            commands = tuple((entry.command, entry.description) for entry in listed)
        return Profile(description, short, commands)

    async def _write(self, language: str, part: Part, wanted: Profile) -> None:
        code = language or None
        if part == "description":
            await self.bot.set_my_description(wanted.description, language_code=code)
        elif part == "short_description":
            await self.bot.set_my_short_description(wanted.short_description, language_code=code)
        else:
            commands = [BotCommand(name, text) for name, text in wanted.commands or ()]
            await self.bot.set_my_commands(commands, language_code=code)


def _first(*choices: str | None, last: str) -> str:
    for choice in choices:
        if choice is not None:
            return choice
    return last
