"""The delivery ledger: what is due where, the last check before a send, and recording outcomes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.channel_voice import DEFAULT_STYLE, ChannelVoice
from storage.db.models import (
    Article,
    ArticleTopic,
    Chat,
    ChatFilter,
    ChatPreferences,
    Delivery,
    Subscription,
    table,
)
from storage.delivery.routing import filtered_out
from storage.readers.channels import CHANNEL
from storage.readers.localtime import Schedule
from storage.records import Destination, Preferences


@dataclass(frozen=True, slots=True)
class PendingPush:
    delivery_id: int
    article_id: int
    chat_id: int
    thread_id: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Head:
    """A destination's next push (its oldest due row), and how many are waiting there in all."""

    delivery_id: int
    article_id: int
    chat_id: int
    thread_id: int
    attempts: int
    waiting: int
    held: bool = False  # a row due there was held for a digest (quiet hours, daily digest)

    @property
    def destination(self) -> Destination:
        return (self.chat_id, self.thread_id)

    @property
    def push(self) -> PendingPush:
        return PendingPush(self.delivery_id, self.article_id, self.chat_id, self.thread_id, self.attempts)


@dataclass(frozen=True, slots=True)
class Check:
    """The last check before a send passed: the reader's preferences and the article topics they follow."""

    preferences: Preferences
    followed: frozenset[int]
    language_code: str | None = None  # the chat's language as Telegram last reported it
    voice: ChannelVoice | None = None  # a channel's voice (channels.yaml); None: the chat is no channel

    @property
    def language(self) -> str | None:
        """The language to write in: the reader's choice, else Telegram's."""
        return self.preferences.language or self.language_code


# The statements every group of pushes runs, built once: building a select of five joins and its cache key
# cost more than SQLite took to run it. SQLAlchemy statements are immutable; the ids are an expanding
# parameter. (A lambda statement would not do: with the ids a closure variable, SQLAlchemy rebuilds it
# with new parameters on each run, which is slower than building it anew.)
LAST_CHECK = (
    select(
        Delivery.id,
        ArticleTopic.topic_id,
        ChatPreferences.min_quality,
        ChatPreferences.image_previews,
        ChatPreferences.silent,
        ChatPreferences.language,
        Chat.language_code,
        ChatPreferences.timezone,
        ChatPreferences.quiet_start,
        ChatPreferences.quiet_end,
        ArticleTopic.quality_rank,
        Chat.type,
        ChatPreferences.push_style,
        ChatPreferences.footer,
        ChatPreferences.footer_link,
        # Whether the destination has keyword filters: only those rows cost filtered_out's queries.
        exists()
        .where(ChatFilter.chat_id == Delivery.chat_id, ChatFilter.thread_id == Delivery.thread_id)
        .label("has_filters"),
    )
    .select_from(Delivery)
    .join(Chat, Chat.id == Delivery.chat_id)
    .join(Article, Article.id == Delivery.article_id)
    .join(ArticleTopic, ArticleTopic.article_id == Delivery.article_id)
    .join(
        Subscription,
        and_(
            Subscription.chat_id == Delivery.chat_id,
            Subscription.thread_id == Delivery.thread_id,
            Subscription.topic_id == ArticleTopic.topic_id,
        ),
    )
    .outerjoin(ChatPreferences, ChatPreferences.chat_id == Delivery.chat_id)
    .where(
        Delivery.id.in_(bindparam("delivery_ids", expanding=True)),
        Delivery.status == "pending",
        Chat.status == "active",
        Article.withdrawn_at.is_(None),
    )
)
_deliveries = table(Delivery)
SENT_MANY = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("delivery_id"), _deliveries.c.status == "pending")
    .values(
        status="sent",
        sent_at=bindparam("sent_now", type_=_deliveries.c.sent_at.type),
        message_id=bindparam("sent_message_id"),
        message_kind=bindparam("sent_kind"),
        attempts=_deliveries.c.attempts + 1,
        error=None,
    )
)


async def due_heads(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    busy: Collection[Destination] = (),
    owner: str | None = None,
) -> list[Head]:
    """The next push of each destination with pushes due, the destination waiting longest first.

    ``owner``: only destinations in chats leased to that sender (storage/delivery/claims.py).
    """
    destination = (Delivery.chat_id, Delivery.thread_id)
    candidates = (
        select(
            Delivery.id,
            Delivery.article_id,
            Delivery.chat_id,
            Delivery.thread_id,
            Delivery.attempts,
            func.row_number()
            .over(partition_by=destination, order_by=(Article.published_at, Delivery.id))
            .label("rank"),
            func.count().over(partition_by=destination).label("waiting"),
            func.min(Article.published_at).over(partition_by=destination).label("oldest"),
            func.max(case((Delivery.mode == "digest", 1), else_=0))
            .over(partition_by=destination)
            .label("held"),
        )
        .join(Article, Article.id == Delivery.article_id)
        .where(Delivery.status == "pending", Delivery.due_at <= now)
    )
    if owner is not None:
        candidates = candidates.join(Chat, Chat.id == Delivery.chat_id).where(Chat.lease_owner == owner)
    ranked = candidates.subquery()
    rows = await session.execute(
        select(
            ranked.c.id,
            ranked.c.article_id,
            ranked.c.chat_id,
            ranked.c.thread_id,
            ranked.c.attempts,
            ranked.c.waiting,
            ranked.c.held,
        )
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.oldest, ranked.c.id)
        .limit(limit + len(busy))
    )
    heads = [Head(*row[:6], held=bool(row[6])) for row in rows]
    return [head for head in heads if head.destination not in busy][:limit]


async def check_many(
    session: AsyncSession, delivery_ids: Sequence[int], now: datetime | None = None
) -> dict[int, Check]:
    """The last check before sending, for many rows at once; rows missing from the answer must not go.

    A row goes only while it is pending, its chat active, its article live, the destination still follows
    one of the article's topics, the article passes the chat's minimum quality and the destination's
    keyword filters. With ``now``, a row checked during the chat's quiet hours goes silently.
    """
    if not delivery_ids:
        return {}
    rows = await session.execute(LAST_CHECK, {"delivery_ids": list(delivery_ids)})
    followed: dict[int, set[int]] = {}
    preferences: dict[int, Preferences] = {}
    language_codes: dict[int, str | None] = {}
    voices: dict[int, ChannelVoice] = {}
    with_filters: set[int] = set()
    for row in rows:
        delivery_id, topic_id, min_quality, previews, silent, language, language_code = row[:7]
        zone_name, quiet_start, quiet_end, rank, chat_type, style, footer, footer_link, has_filters = row[7:]
        quiet = now is not None and Schedule(zone_name, quiet_start, quiet_end).quiet_at(now)
        wanted = Preferences(
            min_quality=min_quality or 0,
            image_previews=True if previews is None else previews,
            silent=bool(silent) or quiet,
            language=language,
        )
        if rank is not None and rank < wanted.min_quality:  # not in the share of this topic the chat wants
            continue
        preferences[delivery_id] = wanted
        language_codes[delivery_id] = language_code
        if chat_type == CHANNEL:
            voices[delivery_id] = ChannelVoice(
                language, bool(silent), style or DEFAULT_STYLE, footer, footer_link
            )
        followed.setdefault(delivery_id, set()).add(topic_id)
        if has_filters:
            with_filters.add(delivery_id)
    for delivery_id in await filtered_out(session, [d for d in preferences if d in with_filters]):
        del preferences[delivery_id]
    return {
        d: Check(preferences[d], frozenset(followed[d]), language_codes[d], voices.get(d))
        for d in preferences
    }


async def destination_queue(
    session: AsyncSession, destination: Destination, now: datetime
) -> list[PendingPush]:
    """A destination's due pushes in the order they must arrive: oldest publication first."""
    chat_id, thread_id = destination
    rows = await session.execute(
        select(Delivery.id, Delivery.article_id, Delivery.attempts)
        .join(Article, Article.id == Delivery.article_id)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.thread_id == thread_id,
            Delivery.status == "pending",
            Delivery.due_at <= now,
        )
        .order_by(Article.published_at, Delivery.id)
    )
    return [
        PendingPush(row_id, article_id, chat_id, thread_id, attempts) for row_id, article_id, attempts in rows
    ]


async def mark_sent(
    session: AsyncSession,
    delivery_ids: Sequence[int],
    message_id: int,
    now: datetime,
    *,
    via_digest: bool = False,
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status == "pending")
        .values(
            status="sent",
            sent_at=now,
            message_id=message_id,
            via_digest=via_digest,
            message_kind="digest" if via_digest else None,
            attempts=Delivery.attempts + 1,
            error=None,
        )
    )


async def mark_sent_many(session: AsyncSession, sent: Sequence[tuple[int, int, str]], now: datetime) -> None:
    """Record many single-message pushes as sent: (delivery id, message id, kind), one statement."""
    if not sent:
        return
    await session.execute(
        SENT_MANY,
        [{"delivery_id": d, "sent_message_id": m, "sent_kind": k, "sent_now": now} for d, m, k in sent],
    )


async def mark(session: AsyncSession, delivery_ids: Sequence[int], status: str, error: str | None) -> None:
    """Close rows for good: ``failed`` (with the error), ``cancelled`` or ``skipped``."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status == "pending")
        .values(status=status, error=error, attempts=Delivery.attempts + (1 if status == "failed" else 0))
    )


async def reschedule(session: AsyncSession, delivery_id: int, due_at: datetime, error: str) -> None:
    """Try again later (a transient error or a 429)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "pending")
        .values(due_at=due_at, error=error, attempts=Delivery.attempts + 1)
    )


async def postpone_destination(session: AsyncSession, destination: Destination, due_at: datetime) -> None:
    """Nothing more to this destination before ``due_at`` (Telegram asked us to wait)."""
    chat_id, thread_id = destination
    await session.execute(
        update(Delivery)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.thread_id == thread_id,
            Delivery.status == "pending",
            Delivery.due_at < due_at,
        )
        .values(due_at=due_at)
    )
