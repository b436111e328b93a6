"""SQLite through aiosqlite without its thread hand-offs, for the short statements the bot runs most.

aiosqlite runs every call (cursor, execute, fetch, close, rollback) on a worker thread and hands the result
back to the event loop: under load those hand-offs took a third of the bot's CPU, more than the queries
themselves. Reads on SQLite in WAL mode never wait for a lock and the bot's hot ones are index lookups and
short ranges, so ``InlineSqliteConnection`` runs them in place. Two calls may wait and still go to the worker
thread: ``BEGIN IMMEDIATE`` (another process may hold the write lock) and ``COMMIT`` (it may checkpoint the
write-ahead log). ``Database`` keeps a second, ordinary engine for long statements.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite's connection, with each call run at once on the calling (event loop) thread, except
    taking the write lock and committing."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _may_wait(fn, args):
            worker: Any = super()  # aiosqlite's own hand-off (untyped)
            return await worker._execute(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _may_wait(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    if getattr(fn, "__name__", None) == "commit":
        return True
    return bool(args) and isinstance(args[0], str) and args[0].startswith("BEGIN IMMEDIATE")


def inline_creator(url: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """An ``async_creator`` for SQLAlchemy: the connect arguments its aiosqlite dialect would use."""
    args, params = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    # Opened by the worker thread, then used from the event loop's thread.
    connector = functools.partial(sqlite3.connect, *args, **{**params, "check_same_thread": False})

    async def create() -> aiosqlite.Connection:
        connection = InlineSqliteConnection(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        return await connection

    return create
