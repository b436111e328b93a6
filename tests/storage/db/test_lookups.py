"""``Database.lookups``: short reads that share no snapshot (on PostgreSQL, one round trip each)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.db.database import Database
from tests.storage.factories import add_topic


async def test_lookups_see_what_is_committed(db: Database) -> None:
    async with db.lookups() as session:
        assert await session.scalar(text("SELECT count(*) FROM topics")) == 0
        async with db.write() as writer:
            await add_topic(writer, "Space")
    async with db.lookups() as session:
        assert await session.scalar(text("SELECT min(name) FROM topics")) == "Space"


async def test_on_postgresql_each_lookup_is_a_transaction_of_its_own(
    db: Database, on_postgresql: bool
) -> None:
    """now() is the start of the statement's transaction: it moves between lookups, not within read()."""
    if not on_postgresql:
        pytest.skip("SQLite's CURRENT_TIMESTAMP is per statement, and lookups are read() there")
    moments = []
    for session_of in (db.lookups, db.read):
        async with session_of() as session:
            first = await session.scalar(text("SELECT CURRENT_TIMESTAMP"))
            await asyncio.sleep(0.02)
            second = await session.scalar(text("SELECT CURRENT_TIMESTAMP"))
        moments.append(first != second)
    assert moments == [True, False]
