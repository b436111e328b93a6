"""Recording sends in groups: one write transaction for many finished pushes.

Each sender waits until its row is committed before it counts as done, so the rows sent but not yet
recorded never exceed the worker's concurrency: the bound on duplicates after a crash holds. When the
database is unavailable (gone, locked, full, read-only), a batch Telegram already accepted is kept and
written once it is back: its destinations stay busy meanwhile, so none of its rows is sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.ops.outages import DatabaseOutages
from storage.db.database import Database
from storage.delivery.ledger import mark_sent_many

FLUSH_SECONDS = 0.01


class SentLedger:
    """Collects (delivery id, message id, message kind) and commits them together, every few milliseconds."""

    def __init__(
        self, db: Database, clock: Callable[[], datetime], outages: DatabaseOutages | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.outages = outages
        self._pending: list[tuple[int, int, str, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, delivery_id: int, message_id: int, kind: str) -> None:
        """Return once the row is committed as sent (``kind``: photo or text, for corrections)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery_id, message_id, kind, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        # A short pause lets the sends finishing together share one transaction.
        await asyncio.sleep(FLUSH_SECONDS)
        while self._pending:
            batch, self._pending = self._pending, []
            rows = [(d, m, k) for d, m, k, _ in batch]

            async def write(rows: list[tuple[int, int, str]] = rows) -> None:
                async with self.db.write() as session:
                    await mark_sent_many(session, rows, self.clock())

            try:
                if self.outages is None:
                    await write()
                else:
                    await self.outages.retry("recording sent pushes", write)
            except Exception as error:
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)
