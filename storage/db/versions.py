"""Version tokens in ``store_state``: how one process tells the others that cached data changed.

A writer replaces the token in the transaction that changes the data; a reader that keeps the data in
memory reads the token now and then (one primary-key lookup) and reloads when it moved.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import StoreState


async def bump_version(session: AsyncSession, key: str) -> None:
    await session.execute(delete(StoreState).where(StoreState.key == key))
    await session.execute(insert(StoreState).values(key=key, value=uuid.uuid4().hex))


async def read_version(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(StoreState.value).where(StoreState.key == key))


class VersionWatch:
    """When a process last read a version token, so it reads it at most every ``recheck_seconds``."""

    def __init__(self, recheck_seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.recheck_seconds = recheck_seconds
        self.monotonic = monotonic
        self._checked = -math.inf  # monotonic seconds

    def due(self) -> bool:
        return self.monotonic() - self._checked >= self.recheck_seconds

    def expire(self) -> None:
        """Read the token on the next use (this process changed the data)."""
        self._checked = -math.inf

    def started(self) -> float:
        """The moment a read of the token begins; pass it to ``read`` once the reader is up to date."""
        return self.monotonic()

    def read(self, started: float) -> None:
        self._checked = max(self._checked, started)
