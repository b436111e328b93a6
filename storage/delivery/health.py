"""The delivery ledger at a glance, for health checks and metrics: how much is waiting, since when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.models import Delivery

# Delivery.status values (see storage.db.models.Delivery).
PENDING = "pending"
SENT = "sent"


@dataclass(frozen=True, slots=True)
class DeliveryBacklog:
    """Pending rows (due now or later), the oldest ``due_at`` already reached, the newest ``sent_at``."""

    pending: int
    oldest_due_at: datetime | None
    last_sent_at: datetime | None


async def count_pending(session: AsyncSession) -> int:
    """Every pending delivery, including those waiting for a retry later."""
    count = await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == PENDING))
    return count or 0


async def delivery_backlog(session: AsyncSession, now: datetime) -> DeliveryBacklog:
    """Three index lookups (``ix_deliveries_status_due``, ``ix_deliveries_status_sent``); no table scan."""
    oldest_due = await session.scalar(
        select(func.min(Delivery.due_at)).where(Delivery.status == PENDING, Delivery.due_at <= now)
    )
    last_sent = await session.scalar(select(func.max(Delivery.sent_at)).where(Delivery.status == SENT))
    return DeliveryBacklog(
        pending=await count_pending(session), oldest_due_at=oldest_due, last_sent_at=last_sent
    )
