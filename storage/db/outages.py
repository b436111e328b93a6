"""Which database errors are outages: the database gone, locked, full or read-only, not a bug of ours.

An outage is waited out and the work retried (bot/ops/outages.py); any other error is a defect to log. The
test is on the error and every error it was raised from, since SQLAlchemy wraps the driver's.
PostgreSQL says what happened in its SQLSTATE; SQLite only in its message.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes of a server that is away, restarting, out of room or read-only.
PG_OUTAGE_CLASSES = ("08",)  # connection exception
PG_OUTAGE_CODES = {
    "57P01": "the server is shutting down",
    "57P02": "the server crashed",
    "57P03": "the server is starting up",
    "53100": "the server's disk is full",
    "53200": "the server is out of memory",
    "53300": "the server has too many connections",
    "25006": "the server is read-only",
    "58030": "the server's disk failed",
}
# SQLite's messages for the same, and what each means for an operator.
SQLITE_OUTAGES = {
    "database is locked": "locked by another process",
    "database table is locked": "locked by another process",
    "database or disk is full": "the disk is full",
    "attempt to write a readonly database": "the file is read-only",
    "unable to open database file": "the file cannot be opened",
    "disk i/o error": "a disk I/O error",
}
NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
CLOSED_CONNECTION = ("connection is closed", "connection was closed", "underlying connection is closed")


@dataclass(frozen=True, slots=True)
class Outage:
    """An error that is an outage, in an operator's words: ``cause`` ("the disk is full")."""

    cause: str
    writes_only: bool  # reads may still work (SQLite locked, full, read-only)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, sa_exc.DBAPIError) and current.orig is not None:
            yield current.orig
        current = current.__cause__ or current.__context__


def classify(error: BaseException) -> Outage | None:
    """The outage ``error`` stands for, or None when it is not one (a bug, a constraint, a bad query)."""
    for link in _chain(error):
        if isinstance(link, sqlite3.Error):
            message = str(link).lower()
            for words, cause in SQLITE_OUTAGES.items():
                if words in message:
                    return Outage(cause, writes_only=cause not in ("the file cannot be opened",))
            continue
        sqlstate = getattr(link, "sqlstate", None)
        if isinstance(sqlstate, str):
            if sqlstate in PG_OUTAGE_CODES:
                return Outage(PG_OUTAGE_CODES[sqlstate], writes_only=sqlstate == "25006")
            if sqlstate.startswith(PG_OUTAGE_CLASSES):
                return Outage("the connection to the server failed", writes_only=False)
        if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
            return Outage("the connection to the server was lost", writes_only=False)
        if isinstance(link, sa_exc.TimeoutError):
            return Outage("no connection to the server was free in time", writes_only=False)
        if isinstance(link, socket.gaierror):
            return Outage("the server's name does not resolve", writes_only=False)
        if isinstance(link, TimeoutError):
            return Outage("the server did not answer in time", writes_only=False)
        if isinstance(link, OSError) and link.errno in NETWORK_ERRNOS:
            return Outage(f"the server is unreachable ({link.strerror or link})", writes_only=False)
        if isinstance(link, ConnectionError):
            return Outage("the server is unreachable", writes_only=False)
        if type(link).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and any(
            words in str(link).lower() for words in CLOSED_CONNECTION
        ):
            return Outage("the connection to the server was lost", writes_only=False)
    return None


def is_outage(error: BaseException) -> bool:
    return classify(error) is not None
