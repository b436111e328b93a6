"""SQLite through aiosqlite without its thread hand-offs, for the short statements the bot runs most.

aiosqlite runs every call (cursor, execute, fetch, close, rollback) on a worker thread and hands the result
back to the event loop: under load those hand-offs took a third of the bot's CPU, more than the queries
themselves. Reads on SQLite in WAL mode never wait for a lock and the bot's hot ones are index lookups and
short ranges, so ``InlineSqliteConnection`` runs them in place. Calls that may wait still go to the worker
thread: ``BEGIN IMMEDIATE`` when another process holds the write lock (it is tried in place first, with no
wait: this process's own writers already queue in ``Database``), ``COMMIT`` (it may checkpoint the
write-ahead log), and closing (after whatever the worker is still running). ``Database`` keeps a second
engine for long statements, on ``BulkSqliteConnection``: the other way round, everything on the worker
thread but the few calls that do no work.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite's connection, with each call run at once on the calling (event loop) thread, except
    waiting for the write lock, committing and closing.

    While such a call is queued or running on the worker thread, every later call queues behind it, so the
    two threads never use the connection at once, even when the task that was waiting is cancelled (then
    SQLAlchemy rolls back or closes the connection while the worker may still be committing).
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._queued = 0  # calls handed to the worker thread and not finished there
        self._queued_lock = threading.Lock()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is not None and _is_close(fn, self._connection):
            fn = functools.partial(close_rolling_back, self._connection)
        if not self._queued and _takes_write_lock(args) and self._running and self._connection:
            taken, result = self._take_write_lock_now(fn, *args, **kwargs)
            if taken:
                return result
        if self._queued or self._may_wait(fn, args):
            return await self._on_worker(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def stop(self) -> Any:
        """aiosqlite's stop (SQLAlchemy's forced close of a connection it gave up on), rolling back first."""
        connection = self._connection
        if connection is not None:
            self._tx.put_nowait((None, functools.partial(close_rolling_back, connection)))
        return super().stop()

    def _take_write_lock_now(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
        """``BEGIN IMMEDIATE`` in place, without waiting: (True, its result) when it took the write lock,
        (False, None) when another process holds it (SQLITE_BUSY at once): then the worker thread waits."""
        connection = self._connection
        assert connection is not None
        (timeout,) = connection.execute("PRAGMA busy_timeout").fetchone()
        connection.execute("PRAGMA busy_timeout=0")
        try:
            return True, fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return False, None
        finally:
            connection.execute(f"PRAGMA busy_timeout={int(timeout)}")

    def _may_wait(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """The connection's own commit or close, or a cursor's BEGIN IMMEDIATE (not a cursor's close)."""
        if getattr(fn, "__self__", None) is self._connection and getattr(fn, "__name__", None) in (
            "commit",
            "close",
        ):
            return True
        return _takes_write_lock(args)

    async def _on_worker(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._queued_lock:
                    self._queued -= 1

        with self._queued_lock:
            self._queued += 1
        worker: Any = super()  # aiosqlite's own hand-off (untyped)
        try:
            return await worker._execute(run)
        except ValueError:  # closed before it was queued: nothing will run it
            with self._queued_lock:
                self._queued -= 1
            raise


class BulkSqliteConnection(InlineSqliteConnection):
    """For long statements: each runs on the worker thread, and so do fetching its rows and ending the
    transaction; only the calls that do no work run in place: opening and closing a cursor, a plain
    ``BEGIN`` (it takes no lock) and a rollback outside any transaction (SQLAlchemy rolls back once more
    when the pool takes the connection back). A read of one statement made nine hand-offs; now three.
    """

    def _may_wait(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        owner, name = getattr(fn, "__self__", None), getattr(fn, "__name__", None)
        if isinstance(owner, sqlite3.Connection):
            return not (name == "cursor" or (name == "rollback" and not owner.in_transaction))
        if isinstance(owner, sqlite3.Cursor):
            return not (name == "close" or (name == "execute" and args[:1] == ("BEGIN",)))
        return True


def close_rolling_back(connection: sqlite3.Connection) -> None:
    """Close, rolling back any transaction first. sqlite3's ``close()`` while a cursor of the connection is
    still alive (one a cancelled task never finished) only makes the handle a zombie (``sqlite3_close_v2``):
    its transaction, and with it the write lock, then lasts until that cursor is collected, and every other
    writer fails with "database is locked". A rollback ends the transaction whatever cursors remain."""
    try:
        if connection.in_transaction:
            connection.rollback()
    except sqlite3.ProgrammingError:  # already closed
        return
    finally:
        connection.close()


def _is_close(fn: Callable[..., Any], connection: sqlite3.Connection) -> bool:
    return getattr(fn, "__self__", None) is connection and getattr(fn, "__name__", None) == "close"


def _takes_write_lock(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].startswith("BEGIN IMMEDIATE")


def inline_creator(
    url: str, connection_class: type[InlineSqliteConnection] = InlineSqliteConnection
) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """An ``async_creator`` for SQLAlchemy: the connect arguments its aiosqlite dialect would use."""
    args, params = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    # Opened by the worker thread, then used from the event loop's thread.
    connector = functools.partial(sqlite3.connect, *args, **{**params, "check_same_thread": False})

    async def create() -> aiosqlite.Connection:
        connection = connection_class(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        return await connection

    return create
