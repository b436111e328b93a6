"""Channels from ``content/channels.yaml``: found on Telegram, checked, and kept following the file.

At start-up and whenever the file changes, each channel is looked up (getChat) and the bot's own standing
in it checked (getChatMember). A channel the bot may post in is active; one where it is not an
administrator is stored paused and the operators are told (a log line naming the channel and an operator
alert), once per look-up, never in a loop. A paused channel resumes when Telegram reports the bot promoted
(``my_chat_member``), or at the next look-up. A push Telegram refuses for lack of rights pauses the channel
the same way (``send_refused``). In a private deployment (``ALLOWED_CHATS``, ``ALLOWED_USERNAMES``) a
channel that is not listed is left out with a log line naming it, like one the bot cannot post in, and
released if it was managed before. The channels' subscriptions are made to match the file after every
content sync, and within the sync that stores new articles (``follow_file``), so a topic the file names
that first arrives with an article is followed before that article is fanned out. Each channel's voice
(language, footer, sound, push style) is applied with its topics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, ChatMember, ChatMemberAdministrator
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.ops.access import AccessList
from storage.catalog.topic_directory import load_directory
from storage.content.channel_file import (
    CHANNELS_FILE,
    MAX_CHANNELS_BYTES,
    ChannelEntry,
    ChannelMap,
    ChannelRef,
    load_channel_map,
)
from storage.content.files import display_path
from storage.db.database import Database
from storage.readers.channels import (
    ManagedChannel,
    managed_channel,
    managed_channels,
    release_channel,
    set_channel_active,
    set_channel_topics,
    set_channel_voice,
    store_channel,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PAUSED = "the bot is not an administrator allowed to post there"


def may_post(member: ChatMember) -> bool:
    """Whether a channel member (the bot) may post: the owner, or an administrator with that right."""
    if member.status == ChatMemberStatus.OWNER:
        return True
    return isinstance(member, ChatMemberAdministrator) and member.can_post_messages is not False


def not_admin(channel: str, chat_id: int, where: str = "") -> str:
    """The operator-facing line for a channel the bot cannot post in."""
    return (
        f"{where}channel {channel} ({chat_id}): {PAUSED}. Make it an administrator with the right to post "
        "messages; its pushes are paused until then."
    )


def not_allowed(channel: str, chat_id: int, where: str = "") -> str:
    """The operator-facing line for a channel a private deployment does not serve."""
    return (
        f"{where}channel {channel} ({chat_id}): not in ALLOWED_CHATS or ALLOWED_USERNAMES, and this deployment "
        f"is private: no pushes. Add {chat_id} to ALLOWED_CHATS to serve it."
    )


class ChannelDirectory:
    """Keeps the managed channels in step with ``channels.yaml``; ``alert`` tells the operators."""

    def __init__(
        self,
        db: Database,
        root: Path,
        *,
        clock: Clock,
        languages: Collection[str],
        display_prefix: str | None = None,
        max_bytes: int = MAX_CHANNELS_BYTES,
        access: AccessList | None = None,
    ) -> None:
        """``languages``: the catalogues a channel's ``language`` may name."""
        self.db = db
        self.access = access or AccessList()
        self.languages = languages
        self.path = root / CHANNELS_FILE
        self.display = display_path(
            root.as_posix() if display_prefix is None else display_prefix, CHANNELS_FILE
        )
        self.clock = clock
        self.max_bytes = max_bytes
        self.alert: Callable[[str], None] | None = None
        self._content: bytes | None = None  # what the file held when last read (None: no file)
        self._read_once = False
        self._map = ChannelMap()
        self._frozen = False  # the file as it is now cannot be read: no channel changes until it is fixed
        self._settled: set[str] = set()  # ref keys looked up since the file last changed
        self._lock = asyncio.Lock()

    async def refresh(self, bot: ExtBot[Any]) -> None:
        """Re-read the file if it changed, look up the channels that need it, and apply the file (a topic it
        names may exist now: ``topics.yaml`` or a restored article brought it)."""
        async with self._lock:
            changed = self._reread()
            if self._frozen:
                return
            for entry in self._map.entries:
                if entry.ref.key not in self._settled:
                    await self._look_up(bot, entry)
            await self._apply(warn=changed)

    async def bot_status_changed(self, chat: Chat, member: ChatMember) -> None:
        """Telegram reports the bot's new standing in a channel (``my_chat_member``). A channel of the file
        that could not be found before (the bot was not in it) is taken on now."""
        allowed = may_post(member)
        async with self._lock:
            async with self.db.write() as session:
                now = self.clock()
                channel = await set_channel_active(session, chat.id, allowed, now, PAUSED)
                found = (
                    channel is None
                    and self.access.allows(chat.id, chat.username)
                    and any(e.ref.names(chat.id, chat.username) for e in self._map.entries)
                )
                if found:
                    await store_channel(
                        session, chat.id, chat.username, active=allowed, now=now, reason=PAUSED
                    )
                    channel = ManagedChannel(chat.id, chat.username, allowed)
            if found:
                await self._apply(warn=False)
        if channel is None:
            return
        if allowed:
            log.info("channel %s (%d): the bot may post there now; pushes resume", channel.name, chat.id)
        else:
            self._problem(not_admin(channel.name, chat.id))

    async def send_refused(self, chat_id: int, description: str) -> None:
        """A push to ``chat_id`` was refused for good (the worker has paused the chat): tell the operators
        when it is one of the managed channels."""
        async with self.db.read() as session:
            channel = await managed_channel(session, chat_id)
        if channel is not None:
            self._problem(f"{not_admin(channel.name, chat_id)} Telegram said: {description}")

    def _reread(self) -> bool:
        """Load the file if its bytes changed since the last read; True when they did."""
        try:
            content: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            content = None
        except OSError:
            content = b"\0unreadable"  # load_channel_map reports why
        if self._read_once and content == self._content:
            return False
        self._read_once, self._content = True, content
        channel_map, diagnostics = load_channel_map(
            self.path, self.display, self.max_bytes, languages=self.languages
        )
        for diagnostic in diagnostics:
            if diagnostic.is_error:
                self._problem(str(diagnostic))
            else:
                log.warning("%s", diagnostic)
        self._frozen = not channel_map.readable
        if channel_map.readable:
            self._map = channel_map
            self._settled.clear()
        return True

    async def _look_up(self, bot: ExtBot[Any], entry: ChannelEntry) -> None:
        """getChat and the bot's getChatMember; store what Telegram says. Network trouble: retried at the
        next refresh; a definite answer: not asked again until the file changes."""
        where = f"{self.display}:{entry.line}: "
        try:
            chat = await bot.get_chat(entry.ref.target)
            if chat.type != ChatType.CHANNEL:
                self._settled.add(entry.ref.key)
                self._problem(
                    f"{where}{entry.ref} is a {chat.type}, not a channel: channels.yaml is for channels "
                    "(in groups, admins choose topics with /subscribe)"
                )
                return
            if not self.access.allows(chat.id, chat.username):
                self._settled.add(entry.ref.key)
                self._problem(not_allowed(str(entry.ref), chat.id, where))
                return
            try:
                allowed = may_post(await bot.get_chat_member(chat.id, bot.id))
            except (BadRequest, Forbidden):
                allowed = False  # e.g. "member list is inaccessible": the bot is not in the channel
        except (BadRequest, Forbidden) as error:
            self._settled.add(entry.ref.key)
            self._problem(
                f"{where}channel {entry.ref}: Telegram says: {error.message}. Check the name, and add the bot "
                "to the channel as an administrator."
            )
            return
        except TelegramError as error:
            log.warning(
                "%schannel %s not looked up (%s): trying again at the next sync", where, entry.ref, error
            )
            return
        self._settled.add(entry.ref.key)
        async with self.db.write() as session:
            await store_channel(
                session, chat.id, chat.username, active=allowed, now=self.clock(), reason=PAUSED
            )
        if not allowed:
            self._problem(not_admin(str(entry.ref), chat.id, where))

    async def follow_file(self, session: AsyncSession, now: datetime) -> None:
        """Called by the content sync in the transaction that stores new articles and creates their topics
        (``ContentSync.before_fanout``): a topic the file names that arrives with them is followed before any
        fan-out job is expanded, so the channel gets that first article too."""
        if self._read_once and not self._frozen:
            await self._apply_in(session, now, warn=False)

    async def _apply(self, *, warn: bool) -> None:
        async with self.db.write() as session:
            await self._apply_in(session, self.clock(), warn=warn)

    async def _apply_in(self, session: AsyncSession, now: datetime, *, warn: bool) -> None:
        """Subscriptions follow the file; channels no longer in it are released."""
        channels = await managed_channels(session)
        kept: set[int] = set()
        for ref in self._map.broken:
            kept.update(c.chat_id for c in _named(channels, ref))
        # Read in this transaction: inside a sync it must see the topics the sync has just created.
        directory = await load_directory(session, now, counted=False)
        for entry in self._map.entries:
            named = [c for c in _named(channels, entry.ref) if self.access.allows(c.chat_id, c.username)]
            if not named:
                continue  # never found on Telegram: nothing to subscribe yet
            lookup = directory.resolve(entry.topics)
            if warn:
                for name, _suggestions in lookup.unknown:
                    log.warning(
                        "%s:%d: warning: no topic '%s' yet (for %s): it applies once an article has it",
                        self.display,
                        entry.line,
                        name,
                        entry.ref,
                    )
            topic_ids = [topic.id for topic in lookup.found]
            for channel in named:
                kept.add(channel.chat_id)
                added, removed = await set_channel_topics(session, channel.chat_id, topic_ids, now)
                if added or removed:
                    names = ", ".join(topic.name for topic in lookup.found) or "nothing"
                    log.info("channel %s (%d) now follows: %s", channel.name, channel.chat_id, names)
                if await set_channel_voice(session, channel.chat_id, entry.voice):
                    log.info("channel %s (%d) now speaks: %s", channel.name, channel.chat_id, entry.voice)
        for channel in channels:
            if channel.chat_id not in kept:
                await release_channel(session, channel.chat_id, now)
                log.info(
                    "channel %s (%d) is no longer in %s: no more pushes",
                    channel.name,
                    channel.chat_id,
                    self.display,
                )

    def _problem(self, line: str) -> None:
        log.error("%s", line)
        if self.alert is not None:
            self.alert(line)


def _named(channels: list[ManagedChannel], ref: ChannelRef) -> list[ManagedChannel]:
    return [channel for channel in channels if ref.names(channel.chat_id, channel.username)]
