"""Leases on chats shared by several senders (storage/delivery/claims.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from storage.db.database import Database
from storage.db.models import Chat
from storage.delivery.claims import (
    claim,
    heartbeat,
    held,
    live_senders,
    register_sender,
    release_idle,
    retire,
    still_leased,
)
from storage.delivery.ledger import due_heads, mark
from tests.storage.factories import NOW, add_article, add_chat, add_delivery

LEASE = timedelta(seconds=30)
SECOND = timedelta(seconds=1)


async def pending_for(db: Database, chats: range, *, due_at: datetime = NOW) -> int:
    async with db.write() as session:
        article = await add_article(session)
        for chat_id in chats:
            await add_chat(session, chat_id)
            await add_delivery(session, article, chat_id, status="pending", due_at=due_at)
    return article


async def register(db: Database, *names: str) -> None:
    async with db.write() as session:
        for name in names:
            await register_sender(session, name, role="sender", host="h", pid=1, now=NOW)


async def test_a_claim_leases_chats_with_pushes_due_and_heads_follow_the_lease(db: Database) -> None:
    await pending_for(db, range(1, 11))
    async with db.write() as session:
        await add_chat(session, 99)  # nothing due: never claimed
        first = await claim(session, "a", NOW, LEASE, limit=4)
        second = await claim(session, "b", NOW, LEASE, limit=100)
    assert len(first) == 4
    assert sorted(first + second) == list(range(1, 11))
    async with db.read() as session:
        heads_a = await due_heads(session, NOW, limit=100, owner="a")
        heads_b = await due_heads(session, NOW, limit=100, owner="b")
        everyone = await due_heads(session, NOW, limit=100)
        assert await still_leased(session, "a", [*first, *second]) == set(first)
    assert sorted(h.chat_id for h in heads_a) == sorted(first)
    assert sorted(h.chat_id for h in heads_b) == sorted(second)
    assert len(everyone) == 10


async def test_an_expired_lease_is_claimed_again_and_a_live_one_is_not(db: Database) -> None:
    await pending_for(db, range(1, 4))
    async with db.write() as session:
        assert len(await claim(session, "a", NOW, LEASE, limit=10)) == 3
        assert await claim(session, "b", NOW + LEASE - SECOND, LEASE, limit=10) == []
        taken = await claim(session, "b", NOW + LEASE + SECOND, LEASE, limit=10)
    assert sorted(taken) == [1, 2, 3]
    async with db.read() as session:
        assert await held(session, "a") == 0
        assert await held(session, "b") == 3


async def test_heartbeat_renews_leases_and_retire_releases_them(db: Database) -> None:
    await pending_for(db, range(1, 3))
    await register(db, "a")
    async with db.write() as session:
        await claim(session, "a", NOW, LEASE, limit=10)
        assert await heartbeat(session, "a", NOW + LEASE - SECOND, LEASE)
        # Renewed: still a's a lease later.
        assert await claim(session, "b", NOW + LEASE + SECOND, LEASE, limit=10) == []
        assert [s.id for s in await live_senders(session, NOW + LEASE, LEASE)] == ["a"]
        await retire(session, ["a"])
        assert not await heartbeat(session, "a", NOW, LEASE)  # gone: the caller registers again
        assert sorted(await claim(session, "b", NOW, LEASE, limit=10)) == [1, 2]


async def test_drained_chats_are_released_but_busy_ones_kept(db: Database) -> None:
    await pending_for(db, range(1, 4))
    async with db.write() as session:
        await claim(session, "a", NOW, LEASE, limit=10)
        # Chats 1 and 2 have nothing left to send; 2 still has a send in flight.
        heads = await due_heads(session, NOW, limit=10, owner="a")
        await mark(session, [h.delivery_id for h in heads if h.chat_id in (1, 2)], "cancelled", None)
        assert await release_idle(session, "a", NOW, busy={2}) == 1
        owners = {c: o for c, o in await session.execute(select(Chat.id, Chat.lease_owner))}
    assert owners == {1: None, 2: "a", 3: "a"}


async def test_pushes_not_yet_due_are_not_claimed(db: Database) -> None:
    await pending_for(db, range(1, 3), due_at=NOW + timedelta(minutes=5))
    async with db.write() as session:
        assert await claim(session, "a", NOW, LEASE, limit=10) == []
        assert len(await claim(session, "a", NOW + timedelta(minutes=5), LEASE, limit=10)) == 2


async def test_senders_claiming_at_once_never_share_a_chat(
    database_url: str, db: Database, on_postgresql: bool
) -> None:
    """Three connections claim concurrently (SKIP LOCKED on PostgreSQL, the write lock on SQLite)."""
    await pending_for(db, range(1, 301))
    others = [Database(database_url) for _ in range(3)]

    async def sender(name: str, database: Database) -> list[int]:
        mine: list[int] = []
        while True:
            async with database.write() as session:
                got = await claim(session, name, NOW, LEASE, limit=7, scan=20)
            if not got:
                return mine
            mine.extend(got)

    try:
        results = await asyncio.gather(*(sender(f"s{i}", d) for i, d in enumerate(others)))
    finally:
        for database in others:
            await database.close()
    claimed = [chat for result in results for chat in result]
    assert sorted(claimed) == list(range(1, 301))  # every chat once: none shared, none left out
    if on_postgresql:
        # SQLite runs one write transaction at a time, so one sender may take everything there; on
        # PostgreSQL the three claim side by side, each skipping the rows the others hold.
        assert all(results), "a sender got nothing: the claims did not interleave"
