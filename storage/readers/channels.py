"""Channels named in ``channels.yaml``: chats the operator manages, whose subscriptions follow the file.

A managed channel is ``active`` while the bot may post there and ``blocked`` while it may not (it is not
an administrator): fan-out skips it then, and nothing is queued for it. Its voice (language, sound, push
style, footer) is the file's too: language and sound are its preferences, as a reader's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.channel_voice import DEFAULT_STYLE, ChannelVoice
from storage.db.models import Chat, ChatPreferences, Subscription
from storage.readers.chats import ACTIVE, BLOCKED, block_chat, update_preferences
from storage.readers.subscriptions import unsubscribe

CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class ManagedChannel:
    chat_id: int
    username: str | None
    active: bool

    @property
    def name(self) -> str:
        """How logs and alerts name it: ``@username``, else the id."""
        return f"@{self.username}" if self.username else str(self.chat_id)


async def managed_channels(session: AsyncSession) -> list[ManagedChannel]:
    """Every channel ``channels.yaml`` named when it was last applied, by id."""
    rows = await session.execute(
        select(Chat.id, Chat.username, Chat.status).where(Chat.managed.is_(True)).order_by(Chat.id)
    )
    return [ManagedChannel(row.id, row.username, row.status == ACTIVE) for row in rows]


async def managed_channel(session: AsyncSession, chat_id: int) -> ManagedChannel | None:
    """The managed channel with that id, or None (not a channel of ``channels.yaml``)."""
    row = (
        await session.execute(
            select(Chat.id, Chat.username, Chat.status).where(Chat.id == chat_id, Chat.managed.is_(True))
        )
    ).one_or_none()
    return None if row is None else ManagedChannel(row.id, row.username, row.status == ACTIVE)


async def store_channel(
    session: AsyncSession,
    chat_id: int,
    username: str | None,
    *,
    active: bool,
    now: datetime,
    reason: str = "",
) -> None:
    """Record a channel of ``channels.yaml`` as managed; ``active``: the bot may post there.

    A channel the bot may not post in has its pending pushes cancelled (``reason``), as a blocked chat does.
    """
    status = ACTIVE if active else BLOCKED
    values = {"type": CHANNEL, "username": username, "managed": True, "status": status, "updated_at": now}
    found = await session.scalar(select(Chat.id).where(Chat.id == chat_id))
    if found is None:
        await session.execute(insert(Chat).values(id=chat_id, created_at=now, **values))
    else:
        await session.execute(update(Chat).where(Chat.id == chat_id).values(values))
    if not active:
        await block_chat(session, chat_id, now, reason)


async def set_channel_active(
    session: AsyncSession, chat_id: int, active: bool, now: datetime, reason: str = ""
) -> ManagedChannel | None:
    """Resume (``active``) or pause a managed channel; None when the chat is not one."""
    channel = await managed_channel(session, chat_id)
    if channel is None:
        return None
    await store_channel(session, chat_id, channel.username, active=active, now=now, reason=reason)
    return ManagedChannel(chat_id, channel.username, active)


async def set_channel_topics(
    session: AsyncSession, chat_id: int, topic_ids: Sequence[int], now: datetime
) -> tuple[list[int], list[int]]:
    """Make the channel follow exactly these topics; returns (topics added, topics removed)."""
    current = set(
        (
            await session.scalars(
                select(Subscription.topic_id).where(
                    Subscription.chat_id == chat_id, Subscription.thread_id == 0
                )
            )
        ).all()
    )
    wanted = list(dict.fromkeys(topic_ids))
    removed = await unsubscribe(session, chat_id, sorted(current - set(wanted)))
    missing = [topic_id for topic_id in wanted if topic_id not in current]
    if not missing:
        return [], removed
    # The file is applied after a sync and inside one (bot/ops/channels.py): on PostgreSQL two of those may
    # add the same row at once, and the second must not fail.
    rows = [{"chat_id": chat_id, "thread_id": 0, "topic_id": t, "created_at": now} for t in missing]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    added = set(
        (
            await session.scalars(
                dialect.insert(Subscription)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(Subscription.topic_id)
            )
        ).all()
    )
    return [topic_id for topic_id in missing if topic_id in added], removed


async def release_channel(session: AsyncSession, chat_id: int, now: datetime) -> None:
    """The channel left ``channels.yaml``: it follows nothing and gets nothing more."""
    await unsubscribe(session, chat_id, None)
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(managed=False, status=BLOCKED, updated_at=now)
    )
    await block_chat(session, chat_id, now, "removed from channels.yaml")


async def channel_voice(session: AsyncSession, chat_id: int) -> ChannelVoice:
    """The voice the channel's pushes have; the defaults when none was set."""
    row = (
        await session.execute(
            select(
                ChatPreferences.language,
                ChatPreferences.silent,
                ChatPreferences.push_style,
                ChatPreferences.footer,
                ChatPreferences.footer_link,
            ).where(ChatPreferences.chat_id == chat_id)
        )
    ).one_or_none()
    if row is None:
        return ChannelVoice()
    language, silent, style, footer, footer_link = row
    return ChannelVoice(language, bool(silent), style or DEFAULT_STYLE, footer, footer_link)


async def set_channel_voice(session: AsyncSession, chat_id: int, voice: ChannelVoice) -> bool:
    """Give the channel (a stored chat) this voice; True when it had another one."""
    if await channel_voice(session, chat_id) == voice:
        return False
    await update_preferences(session, chat_id, language=voice.language, silent=voice.silent)
    await session.execute(
        update(ChatPreferences)
        .where(ChatPreferences.chat_id == chat_id)
        .values(push_style=voice.style, footer=voice.footer, footer_link=voice.footer_link)
    )
    return True
