"""Version tokens in ``store_state``: how one process tells the others that cached data changed.

A writer replaces the token in the transaction that changes the data; a reader that keeps the data in
memory reads the token now and then (one primary-key lookup) and reloads when it moved.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StoreState


async def bump_version(session: AsyncSession, key: str) -> None:
    await session.execute(delete(StoreState).where(StoreState.key == key))
    await session.execute(insert(StoreState).values(key=key, value=uuid.uuid4().hex))


async def read_version(session: AsyncSession, key: str) -> str | None:
    return await session.scalar(select(StoreState.value).where(StoreState.key == key))
