"""Corrections and retractions: an article edited or withdrawn after its push, and the messages to fix.

The content sync opens a correction in the same transaction that changes the article (``open_edits``
before the article's row is updated, ``open_retractions`` after it is withdrawn), so a change is never
stored without its correction. A newer correction of an article closes its unfinished older ones.

A sender works a correction through in batches of deliveries by id: ``targets`` after the ``cursor``,
then ``advance``. On PostgreSQL ``try_lock`` takes a transaction-scoped advisory lock on the correction
for the length of a batch, so two senders never work the same one at once; the lock holds no row, so
the sync is never kept waiting by it. SQLite allows one sender only: nothing to lock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.channel_voice import DEFAULT_STYLE, ChannelVoice
from storage.db.models import Article, ArticleTopic, Chat, ChatPreferences, Correction, Delivery, Subscription

EDIT = "edit"
DELETE = "delete"
# Message kinds a correction knows how to edit (Delivery.message_kind); digests are left alone.
EDITABLE_KINDS = ("photo", "text")
# The first key of PostgreSQL's two-key advisory locks, naming "corrections" (the second is the id).
LOCK_CLASS = 0x6E657773  # "news"


@dataclass(frozen=True, slots=True)
class OpenCorrection:
    """An unfinished correction as the worker sees it."""

    id: int
    article_id: int
    action: str  # edit | delete
    created_at: datetime
    cursor: int


@dataclass(frozen=True, slots=True)
class CorrectionTarget:
    """One sent message to edit or delete, with what its edit is rendered from."""

    delivery_id: int
    chat_id: int
    thread_id: int
    message_id: int
    message_kind: str  # photo | text
    followed: frozenset[int]  # the article's topics the destination follows now (its mute button)
    image_previews: bool
    language: str | None  # the reader's choice, else Telegram's language_code
    voice: ChannelVoice | None = None  # a channel's voice (channels.yaml); None: the chat is no channel


def _on_screens(article_ids: Collection[int], now: datetime, window: timedelta) -> ColumnElement[bool]:
    """Deliveries whose message a correction may have to fix: sent on its own within the window, or
    still pending (one in flight while the article changes is sent as it was rendered)."""
    return and_(
        Delivery.article_id.in_(sorted(article_ids)),
        or_(
            and_(
                Delivery.status == "sent",
                Delivery.via_digest.is_(False),
                Delivery.message_id.is_not(None),
                Delivery.sent_at >= now - window,
            ),
            Delivery.status == "pending",
        ),
    )


async def open_edits(
    session: AsyncSession,
    changes: Mapping[int, tuple[str, str | None]],
    now: datetime,
    window: timedelta | None,
) -> list[int]:
    """Open an edit for each article whose (title, excerpt) in ``changes`` differs from the stored one.

    Call before the articles are updated; ``window`` None: corrections are off. An article coming back
    from withdrawal stops its unfinished retraction (what was deleted stays deleted). Returns the
    articles that got a correction.
    """
    if not changes or window is None:
        return []
    rows = await session.execute(
        select(Article.id, Article.title, Article.excerpt, Article.withdrawn_at).where(
            Article.id.in_(sorted(changes))
        )
    )
    changed: list[int] = []
    restored: list[int] = []
    for article_id, title, excerpt, withdrawn_at in rows:
        if (title, excerpt) != changes[article_id]:
            changed.append(article_id)
        elif withdrawn_at is not None:
            restored.append(article_id)
    await _close(session, restored, now)
    return await _open(session, changed, EDIT, now, window)


async def open_retractions(
    session: AsyncSession, article_ids: Collection[int], now: datetime, window: timedelta | None
) -> list[int]:
    """Open a retraction for each of these articles that was withdrawn at ``now`` (just now)."""
    if not article_ids or window is None:
        return []
    withdrawn = await session.scalars(
        select(Article.id).where(Article.id.in_(sorted(article_ids)), Article.withdrawn_at == now)
    )
    return await _open(session, list(withdrawn), DELETE, now, window)


async def _open(
    session: AsyncSession, article_ids: list[int], action: str, now: datetime, window: timedelta
) -> list[int]:
    if not article_ids:
        return []
    found = await session.scalars(
        select(Delivery.article_id).where(_on_screens(article_ids, now, window)).distinct()
    )
    wanted = sorted(found)
    if not wanted:
        return []
    await _close(session, wanted, now)  # superseded: the new correction covers the same messages
    await session.execute(
        insert(Correction),
        [{"article_id": a, "action": action, "created_at": now, "cursor": 0} for a in wanted],
    )
    return wanted


async def _close(session: AsyncSession, article_ids: list[int], now: datetime) -> None:
    if article_ids:
        await session.execute(
            update(Correction)
            .where(Correction.article_id.in_(article_ids), Correction.finished_at.is_(None))
            .values(finished_at=now)
        )


async def unfinished(session: AsyncSession) -> list[OpenCorrection]:
    """Every correction still to be worked, oldest first."""
    rows = await session.execute(
        select(
            Correction.id, Correction.article_id, Correction.action, Correction.created_at, Correction.cursor
        )
        .where(Correction.finished_at.is_(None))
        .order_by(Correction.id)
    )
    return [OpenCorrection(*row) for row in rows]


async def try_lock(session: AsyncSession, correction_id: int) -> bool:
    """Take the correction for this session's transaction; False while another sender holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:kind, :id)"),
        {"kind": LOCK_CLASS, "id": correction_id % 2**31},
    )
    return bool(taken)


async def current(session: AsyncSession, correction_id: int) -> OpenCorrection | None:
    """The correction as stored now (another sender may have moved it on); None once finished."""
    row = (
        await session.execute(
            select(
                Correction.id,
                Correction.article_id,
                Correction.action,
                Correction.created_at,
                Correction.cursor,
            ).where(Correction.id == correction_id, Correction.finished_at.is_(None))
        )
    ).first()
    return None if row is None else OpenCorrection(*row)


async def targets(
    session: AsyncSession,
    correction: OpenCorrection,
    *,
    window: timedelta,
    sent_until: datetime | None,
    limit: int,
) -> list[CorrectionTarget]:
    """The next ``limit`` messages of the correction after its cursor, by delivery id.

    Messages sent within ``window`` before the correction, on their own (not in a digest), in chats
    still active; ``sent_until``: none sent later (they already carry the new text).
    """
    conditions = [
        Delivery.article_id == correction.article_id,
        Delivery.id > correction.cursor,
        Delivery.status == "sent",
        Delivery.via_digest.is_(False),
        Delivery.message_id.is_not(None),
        Delivery.message_kind.in_(EDITABLE_KINDS),
        Delivery.sent_at >= correction.created_at - window,
        Chat.status == "active",
    ]
    if sent_until is not None:
        conditions.append(Delivery.sent_at <= sent_until)
    rows = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.chat_id,
                Delivery.thread_id,
                Delivery.message_id,
                Delivery.message_kind,
                ChatPreferences.image_previews,
                ChatPreferences.language,
                Chat.language_code,
                Chat.type,
                ChatPreferences.silent,
                ChatPreferences.push_style,
                ChatPreferences.footer,
                ChatPreferences.footer_link,
            )
            .join(Chat, Chat.id == Delivery.chat_id)
            .outerjoin(ChatPreferences, ChatPreferences.chat_id == Delivery.chat_id)
            .where(*conditions)
            .order_by(Delivery.id)
            .limit(limit)
        )
    ).all()
    if not rows:
        return []
    follows = await session.execute(
        select(Subscription.chat_id, Subscription.thread_id, Subscription.topic_id)
        .join(ArticleTopic, ArticleTopic.topic_id == Subscription.topic_id)
        .where(
            ArticleTopic.article_id == correction.article_id,
            Subscription.chat_id.in_({row.chat_id for row in rows}),
        )
    )
    followed: dict[tuple[int, int], set[int]] = {}
    for chat_id, thread_id, topic_id in follows:
        followed.setdefault((chat_id, thread_id), set()).add(topic_id)
    return [
        CorrectionTarget(
            delivery_id=row.id,
            chat_id=row.chat_id,
            thread_id=row.thread_id,
            message_id=row.message_id,
            message_kind=row.message_kind,
            followed=frozenset(followed.get((row.chat_id, row.thread_id), ())),
            image_previews=True if row.image_previews is None else row.image_previews,
            language=row.language or row.language_code,
            voice=(
                ChannelVoice(
                    row.language,
                    bool(row.silent),
                    row.push_style or DEFAULT_STYLE,
                    row.footer,
                    row.footer_link,
                )
                if row.type == "channel"  # Telegram's chat type
                else None
            ),
        )
        for row in rows
    ]


async def advance(
    session: AsyncSession, correction_id: int, cursor: int, now: datetime, *, finished: bool
) -> None:
    """Record a worked batch: the cursor moves past it, and ``finished`` closes the correction."""
    await session.execute(
        update(Correction)
        .where(Correction.id == correction_id, Correction.finished_at.is_(None))
        .values(cursor=cursor, finished_at=now if finished else None)
    )
