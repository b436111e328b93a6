"""Where SQLite statements run: short ones on the event loop's thread, long ones on aiosqlite's workers."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.database import SQLITE_BUSY_TIMEOUT_MS, Database, sqlite_path
from storage.db.inline_sqlite import InlineSqliteConnection, inline_creator
from tests.storage.factories import add_topic

pytestmark = pytest.mark.sqlite_only


async def query_thread(session: AsyncSession) -> int:
    """The id of the thread that runs SQLite's function calls for this session's connection."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.create_function("thread_id", 0, threading.get_ident)
    return int(await session.scalar(text("SELECT thread_id()")) or 0)


async def test_short_statements_run_in_place_long_ones_on_a_worker(db: Database) -> None:
    here = threading.get_ident()
    async with db.read() as session:
        assert await query_thread(session) == here
    async with db.write() as session:
        assert await query_thread(session) == here
    async with db.read_bulk() as session:
        assert await query_thread(session) != here
    async with db.write_bulk() as session:
        assert await query_thread(session) != here


async def test_taking_the_write_lock_waits_on_a_worker_not_on_the_event_loop(db: Database) -> None:
    """Another process holds SQLite's write lock: the event loop keeps running while a writer waits."""
    path = sqlite_path(db.url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.rollback)  # the other process lets go after 0.3 s
    async with db.write() as session:
        await add_topic(session, "Space")
    ticker.cancel()
    other.close()
    assert ticks >= 10  # the loop ran all along


async def test_a_bulk_writer_waits_for_the_write_lock_on_a_worker(db: Database) -> None:
    path = sqlite_path(db.url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    asyncio.get_running_loop().call_later(0.3, other.rollback)
    async with db.write_bulk() as session:
        await add_topic(session, "Space")
    ticker.cancel()
    other.close()
    assert ticks >= 10


async def test_a_bulk_read_hands_the_worker_only_its_statement_its_rows_and_the_rollback(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening and closing cursors and a plain BEGIN do no work: they run in place (each hand-off to the
    worker thread costs more CPU than they do)."""
    handed: list[str] = []
    original = InlineSqliteConnection._on_worker

    async def recording(self: InlineSqliteConnection, fn: Callable[..., Any], *args: Any) -> Any:
        handed.append(fn.__name__)
        return await original(self, fn, *args)

    async with db.read_bulk() as session:  # the pool opens its connection first
        await session.execute(text("SELECT 1"))
    monkeypatch.setattr(InlineSqliteConnection, "_on_worker", recording)
    async with db.read_bulk() as session:
        assert (await session.execute(text("SELECT 2"))).scalar() == 2
    assert sorted(handed) == ["execute", "fetchall", "rollback"]


async def test_a_write_hands_the_worker_only_its_commit_while_no_other_process_writes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[str] = []
    original = InlineSqliteConnection._on_worker

    async def recording(self: InlineSqliteConnection, fn: Callable[..., Any], *args: Any) -> Any:
        handed.append(" ".join([fn.__name__, *(a for a in args[:1] if isinstance(a, str))]))
        return await original(self, fn, *args)

    async with db.write() as session:  # the pool opens its connection first
        await add_topic(session, "AI")
    monkeypatch.setattr(InlineSqliteConnection, "_on_worker", recording)
    async with db.write() as session:
        await add_topic(session, "Space")
    assert handed == ["commit"]
    path = sqlite_path(db.url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.1, other.rollback)
    handed.clear()
    async with db.write() as session:
        await add_topic(session, "Climate")
    other.close()
    assert handed == ["execute BEGIN IMMEDIATE", "commit"]
    async with db.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM topics")) == 3
    async with db.write() as session:  # the connection waits for other writers as before
        assert await session.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS


async def test_in_place_reads_see_committed_writes_and_keep_their_snapshot(db: Database) -> None:
    async with db.write() as session:
        await add_topic(session, "Space")
    async with db.read() as reader:
        assert await reader.scalar(text("SELECT count(*) FROM topics")) == 1
        async with db.write() as session:
            await add_topic(session, "AI")
        # WAL: a read transaction keeps the snapshot it started with, never waiting for the writer.
        assert await reader.scalar(text("SELECT count(*) FROM topics")) == 1
    async with db.read() as reader:
        assert await reader.scalar(text("SELECT count(*) FROM topics")) == 2


async def test_a_writer_cancelled_while_waiting_for_the_lock_leaves_the_connection_usable(
    db: Database,
) -> None:
    """The worker is still inside BEGIN IMMEDIATE when the task gives up: SQLAlchemy's rollback and close
    queue behind it. (Closing in place while the worker committed crashed the interpreter once in a full
    run; the race does not reproduce on demand, so this checks the scenario ends cleanly.)"""
    path = sqlite_path(db.url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with db.write() as session:
            await add_topic(session, "Never")

    task = asyncio.create_task(write())
    await asyncio.sleep(0.05)
    task.cancel()
    asyncio.get_running_loop().call_later(0.2, other.rollback)  # BEGIN IMMEDIATE gets the lock, late
    with pytest.raises(asyncio.CancelledError):
        await task
    other.close()
    async with db.write() as session:
        await add_topic(session, "Space")
    async with db.read() as session:
        assert await session.scalar(text("SELECT group_concat(name) FROM topics")) == "Space"


def write_lock_is_free(path: Path) -> bool:
    """Whether another connection can take SQLite's write lock at once."""
    probe = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        probe.close()


async def open_in_write_transaction(db: Database) -> tuple[InlineSqliteConnection, Any]:
    """One of the bot's SQLite connections holding the write lock, with a cursor of its write still alive
    (a read left half-way, as a task cancelled in the middle of a write leaves it); the cursor is returned to keep it alive."""
    path = sqlite_path(db.url)
    assert path is not None
    connection = await inline_creator(f"sqlite+aiosqlite:///{path}")()
    assert isinstance(connection, InlineSqliteConnection)
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("INSERT INTO topics (key, name) VALUES ('ai', 'AI'), ('space', 'Space')")
    cursor = await connection.execute("SELECT key FROM topics")
    assert await cursor.fetchone() is not None  # one row read, the statement still open
    assert not write_lock_is_free(path)
    return connection, cursor


async def test_closing_a_connection_mid_write_releases_the_write_lock(db: Database) -> None:
    """sqlite3's close() in a write transaction with a cursor alive keeps the handle, and the lock, as a
    zombie until the cursor is collected; the bot's connections roll back first, so the lock goes at once."""
    path = sqlite_path(db.url)
    assert path is not None
    connection, cursor = await open_in_write_transaction(db)
    await connection.close()
    assert write_lock_is_free(path)
    del cursor


async def test_a_forced_stop_mid_write_releases_the_write_lock(db: Database) -> None:
    """SQLAlchemy's forced close of a connection it gave up on calls aiosqlite's stop(): it rolls back too."""
    path = sqlite_path(db.url)
    assert path is not None
    connection, cursor = await open_in_write_transaction(db)
    stopped = connection.stop()
    assert stopped is not None
    await stopped
    connection._thread.join(timeout=10)
    assert write_lock_is_free(path)
    del cursor
