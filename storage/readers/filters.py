"""Keyword filters per destination (chat, forum thread): listing, adding and removing them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import ChatFilter
from storage.readers.keywords import KINDS, MAX_TERMS, KeywordFilter

Destination = tuple[int, int]  # (chat id, forum thread id; 0 = none)


class Added(Enum):
    ADDED = "added"
    ALREADY = "already there"
    FULL = "full"  # MAX_TERMS reached


async def list_filters(session: AsyncSession, destination: Destination) -> KeywordFilter:
    chat_id, thread_id = destination
    rows = await session.execute(
        select(ChatFilter.kind, ChatFilter.term).where(
            ChatFilter.chat_id == chat_id, ChatFilter.thread_id == thread_id
        )
    )
    return KeywordFilter.of((kind, term) for kind, term in rows)


async def count_filters(session: AsyncSession, destination: Destination) -> int:
    chat_id, thread_id = destination
    count = await session.scalar(
        select(func.count()).where(ChatFilter.chat_id == chat_id, ChatFilter.thread_id == thread_id)
    )
    return count or 0


async def add_filter(
    session: AsyncSession, destination: Destination, kind: str, term: str, now: datetime
) -> Added:
    """Add a normalized term (``storage.readers.keywords.normalize_term``); the chat must be registered."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    chat_id, thread_id = destination
    current = await list_filters(session, destination)
    if term in (current.include if kind == "include" else current.exclude):
        return Added.ALREADY
    if len(current) >= MAX_TERMS:
        return Added.FULL
    await session.execute(
        insert(ChatFilter).values(chat_id=chat_id, thread_id=thread_id, kind=kind, term=term, created_at=now)
    )
    return Added.ADDED


async def remove_filter(session: AsyncSession, destination: Destination, kind: str, term: str) -> bool:
    chat_id, thread_id = destination
    result = await session.execute(
        delete(ChatFilter).where(
            ChatFilter.chat_id == chat_id,
            ChatFilter.thread_id == thread_id,
            ChatFilter.kind == kind,
            ChatFilter.term == term,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def filters_between(session: AsyncSession, after: int, upto: int) -> dict[Destination, KeywordFilter]:
    """The filters of every destination in chats ``after < id <= upto`` (a fan-out batch): a range read
    of the primary key, empty for chats without filters."""
    rows = await session.execute(
        select(ChatFilter.chat_id, ChatFilter.thread_id, ChatFilter.kind, ChatFilter.term).where(
            ChatFilter.chat_id > after, ChatFilter.chat_id <= upto
        )
    )
    return _grouped(rows)


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[Destination, KeywordFilter]:
    pairs: dict[Destination, list[tuple[str, str]]] = {}
    for chat_id, thread_id, kind, term in rows:
        pairs.setdefault((chat_id, thread_id), []).append((kind, term))
    return {destination: KeywordFilter.of(found) for destination, found in pairs.items()}
