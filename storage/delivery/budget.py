"""The send budget's rows: each running process says what it needs of Telegram's rate, and reads the others'.

Each process writes only its own row (``publish``: an update, or an insert the first time), so no two
processes ever contend for one. What the rows mean, and how a share is computed from them, is the bot's
business (bot/push/budget.py); here they are plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import SendBudgetShare


@dataclass(frozen=True, slots=True)
class BudgetRow:
    process_id: str
    role: str
    pushing: bool
    replies: float
    paused_until: datetime | None
    beat_at: datetime


async def publish(session: AsyncSession, row: BudgetRow) -> None:
    """Write this process's row (created on its first beat)."""
    values = {
        "role": row.role,
        "pushing": row.pushing,
        "replies": row.replies,
        "paused_until": row.paused_until,
        "beat_at": row.beat_at,
    }
    result = await session.execute(
        update(SendBudgetShare).where(SendBudgetShare.process_id == row.process_id).values(**values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        await session.execute(insert(SendBudgetShare).values(process_id=row.process_id, **values))


async def participants(session: AsyncSession, now: datetime, fresh: timedelta) -> list[BudgetRow]:
    """Processes whose row was written within ``fresh``; removes the rows older than ten times that."""
    await session.execute(delete(SendBudgetShare).where(SendBudgetShare.beat_at < now - fresh * 10))
    rows = await session.execute(
        select(
            SendBudgetShare.process_id,
            SendBudgetShare.role,
            SendBudgetShare.pushing,
            SendBudgetShare.replies,
            SendBudgetShare.paused_until,
            SendBudgetShare.beat_at,
        )
        .where(SendBudgetShare.beat_at > now - fresh)
        .order_by(SendBudgetShare.process_id)
    )
    return [BudgetRow(*row) for row in rows]


async def withdraw(session: AsyncSession, process_id: str) -> None:
    """A process stopping: its part of the budget goes back to the others at their next beat."""
    await session.execute(delete(SendBudgetShare).where(SendBudgetShare.process_id == process_id))
