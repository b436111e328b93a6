"""Which database errors are outages: real errors from real SQLite files and from an absent server."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from storage.db.database import Database
from storage.db.outages import classify, is_outage


class PgError(Exception):
    """asyncpg's errors carry the server's SQLSTATE; SQLAlchemy's adapter keeps it."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


def wrapped(error: Exception) -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("INSERT …", {}, error)


async def test_a_write_lock_held_by_another_process_is_an_outage_and_names_the_lock(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}", busy_timeout_ms=50)
    await db.create_schema()
    holder = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sa_exc.OperationalError) as raised:
            await db.probe()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await db.probe()  # the lock gone, the same write passes
    await db.close()
    outage = classify(raised.value)
    assert outage is not None and outage.cause == "locked by another process" and outage.writes_only


async def test_a_read_only_database_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    db = Database(f"sqlite:///{path}")
    await db.create_schema()
    await db.close()
    # Opened read-only, as a file without write permission is (root ignores permissions, not this).
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("INSERT INTO store_state (key, value) VALUES ('k', 'v')")
    reader.close()
    outage = classify(wrapped(raised.value))
    assert outage is not None and outage.cause == "the file is read-only"


def test_the_messages_of_a_full_disk_and_of_a_bad_disk_are_outages() -> None:
    full = classify(wrapped(sqlite3.OperationalError("database or disk is full")))
    assert full is not None and full.cause == "the disk is full"
    assert classify(wrapped(sqlite3.OperationalError("disk I/O error"))) is not None


def test_bugs_and_constraints_are_not_outages() -> None:
    assert classify(wrapped(sqlite3.OperationalError("no such table: articles"))) is None
    assert classify(sa_exc.IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE"))) is None
    assert classify(ValueError("database is locked")) is None  # the words alone are not enough
    assert classify(wrapped(PgError("42P01"))) is None  # undefined table
    assert classify(wrapped(PgError("23505"))) is None  # unique violation


def test_postgresql_states_of_a_server_away_or_restarting_are_outages() -> None:
    assert classify(wrapped(PgError("57P01"))) == classify(wrapped(PgError("57P01")))
    shutting = classify(wrapped(PgError("57P01")))
    assert shutting is not None and shutting.cause == "the server is shutting down"
    starting = classify(wrapped(PgError("57P03")))
    assert starting is not None and starting.cause == "the server is starting up"
    assert classify(wrapped(PgError("08006"))) is not None  # connection failure
    read_only = classify(wrapped(PgError("25006")))
    assert read_only is not None and read_only.writes_only


def test_errors_raised_from_a_lost_connection_are_outages() -> None:
    error = RuntimeError("could not connect")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert is_outage(error)
    assert is_outage(socket.gaierror(-2, "Name or service not known"))
    lost = sa_exc.DBAPIError("SELECT 1", {}, Exception("boom"), connection_invalidated=True)
    assert is_outage(lost)


async def test_an_absent_postgresql_server_is_an_outage() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    db = Database(f"postgresql://newsbot:newsbot@127.0.0.1:{port}/newsbot")
    try:
        with pytest.raises(OSError, match=r"Connect call failed|refused") as raised:
            await db.ping()
    finally:
        await db.close()
    outage = classify(raised.value)
    assert outage is not None and not outage.writes_only
