"""Several senders sharing one delivery queue: a registry of live senders and leases on destinations.

A sender *claims* chats that have pushes due by writing a lease on the chat's row (``lease_owner``,
``lease_until``). Claiming locks the candidate rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
senders claiming at once take different chats without waiting for each other. While a chat is leased, only
its owner reads its pushes (``due_heads(owner=…)``) and the last check before a send confirms the lease is
still held (``check_many(owner=…)``), so a chat — with every forum thread in it — is served by one sender
at a time, in order and at its own pace. A sender renews all its leases with each heartbeat; the chats of
a sender that died are claimed again once their leases expire.

Each live sender is a row in ``senders``, renewed by the same heartbeat. The overall push rate is divided
between the live senders (docs/scaling.md explains the choice).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Chat, Delivery, Sender


@dataclass(frozen=True, slots=True)
class SenderInfo:
    id: str
    role: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


async def register_sender(
    session: AsyncSession, sender_id: str, *, role: str, host: str, pid: int, now: datetime
) -> None:
    await session.execute(
        insert(Sender).values(id=sender_id, role=role, host=host, pid=pid, started_at=now, heartbeat_at=now)
    )


async def live_senders(session: AsyncSession, now: datetime, lease: timedelta) -> list[SenderInfo]:
    """Senders whose last heartbeat is younger than a lease, oldest first."""
    rows = await session.execute(
        select(Sender.id, Sender.role, Sender.host, Sender.pid, Sender.started_at, Sender.heartbeat_at)
        .where(Sender.heartbeat_at > now - lease)
        .order_by(Sender.started_at, Sender.id)
    )
    return [SenderInfo(*row) for row in rows]


async def all_senders(session: AsyncSession) -> list[SenderInfo]:
    rows = await session.execute(
        select(
            Sender.id, Sender.role, Sender.host, Sender.pid, Sender.started_at, Sender.heartbeat_at
        ).order_by(Sender.started_at, Sender.id)
    )
    return [SenderInfo(*row) for row in rows]


async def heartbeat(session: AsyncSession, sender_id: str, now: datetime, lease: timedelta) -> bool:
    """Renew this sender and every lease it holds; False if its registration is gone (it was retired)."""
    result = await session.execute(update(Sender).where(Sender.id == sender_id).values(heartbeat_at=now))
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(update(Chat).where(Chat.lease_owner == sender_id).values(lease_until=now + lease))
    return True


async def retire(session: AsyncSession, sender_ids: Collection[str]) -> None:
    """Forget senders (stopped, or found dead): their leases are released at once."""
    if not sender_ids:
        return
    await session.execute(
        update(Chat).where(Chat.lease_owner.in_(sender_ids)).values(lease_owner=None, lease_until=None)
    )
    await session.execute(delete(Sender).where(Sender.id.in_(sender_ids)))


async def forget_stale(session: AsyncSession, now: datetime, older_than: timedelta) -> int:
    """Remove registrations whose heartbeat stopped long ago (their leases have long expired)."""
    result = await session.execute(delete(Sender).where(Sender.heartbeat_at <= now - older_than))
    return max(int(result.rowcount), 0)  # type: ignore[attr-defined]


def _due(now: datetime, chat: type[Chat] | None = None) -> list[object]:
    conditions: list[object] = [Delivery.status == "pending", Delivery.due_at <= now]
    if chat is not None:
        conditions.append(Delivery.chat_id == chat.id)
    return conditions


async def release_idle(
    session: AsyncSession, sender_id: str, now: datetime, *, busy: Collection[int] = ()
) -> int:
    """Give back the leased chats with nothing due (and no send in flight), so others may take them."""
    statement = (
        update(Chat)
        .where(Chat.lease_owner == sender_id, ~exists().where(*_due(now, Chat)))  # type: ignore[arg-type]
        .values(lease_owner=None, lease_until=None)
    )
    if busy:
        statement = statement.where(Chat.id.not_in(busy))
    result = await session.execute(statement)
    return max(int(result.rowcount), 0)  # type: ignore[attr-defined]


async def held(session: AsyncSession, sender_id: str) -> int:
    return int(await session.scalar(select(func.count()).where(Chat.lease_owner == sender_id)) or 0)


async def claim(
    session: AsyncSession, sender_id: str, now: datetime, lease: timedelta, *, limit: int, scan: int = 0
) -> list[int]:
    """Lease up to ``limit`` more chats with pushes due, those waiting longest first.

    Candidates are the ``scan`` (default 4 × ``limit``) free chats — nobody holds them, or the lease
    expired — whose due rows are oldest. On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED``:
    a chat another sender is claiming at this moment is skipped, not waited for.
    """
    if limit <= 0:
        return []
    free = or_(Chat.lease_owner.is_(None), Chat.lease_until < now)
    # The oldest due rows of free chats, read in index order (status, due_at) and cut at ``scan``: no
    # aggregate over the whole backlog, so a claim costs the same with 1,000 or 1,000,000 rows waiting.
    oldest = (
        select(Delivery.chat_id)
        .join(Chat, Chat.id == Delivery.chat_id)
        .where(*_due(now), Chat.status == "active", free)  # type: ignore[arg-type]
        .order_by(Delivery.due_at)
        .limit(scan or 4 * limit)
        .subquery()
    )
    candidates = await session.scalars(
        select(Chat.id)
        .where(Chat.id.in_(select(oldest.c.chat_id)), free)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    chat_ids = list(candidates)
    if not chat_ids:
        return []
    taken = await session.scalars(
        update(Chat)
        .where(Chat.id.in_(chat_ids), free)
        .values(lease_owner=sender_id, lease_until=now + lease)
        .returning(Chat.id)
    )
    return list(taken)


# Run before every group of pushes: built once (an immutable statement; the ids an expanding parameter).
STILL_LEASED = select(Chat.id).where(
    Chat.id.in_(bindparam("chat_ids", expanding=True)), Chat.lease_owner == bindparam("sender_id")
)


async def still_leased(session: AsyncSession, sender_id: str, chat_ids: Collection[int]) -> set[int]:
    """Which of these chats are still leased to this sender (checked just before sending)."""
    if not chat_ids:
        return set()
    rows = await session.scalars(STILL_LEASED, {"chat_ids": list(set(chat_ids)), "sender_id": sender_id})
    return set(rows)
