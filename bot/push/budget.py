"""One send budget for every process of a deployment: Telegram's 30 a second, shared as it is needed.

Each process (any role) writes a row every second (storage/delivery/budget.py): whether it has pushes to
send, how many replies it sent lately, and the end of any 429 pause it drew. From all fresh rows each
process sets its own share in its pacer (``share_of``):

- every process that answers readers keeps what its replies need: ``REPLY_HEADROOM`` × its recent rate,
  at least ``REPLY_FLOOR``; inside the process replies come first anyway (bot/telegram/pacing.py);
- what is left goes to the processes with pushes to send, evenly; a sender with nothing to push keeps
  ``IDLE_PUSHES`` (to notice work) and gives the rest to the others within a beat or two. A sender that
  stops writing (stopped, hung, gone) is out after ``FRESH_SECONDS``;
- with nobody pushing, what is left goes to the processes that answer readers;
- a sender that starts pushing while others run keeps ``IDLE_PUSHES`` for one beat, until the others
  have seen it and made room, so the shares never add up to more than the budget for long;
- ``PUSH_RATE``, when set, caps the pushes of the whole deployment and is divided the same way;
- a 429 one process drew pauses all of them: the others read its pause at their next beat.

A lone process owns the whole budget and keeps it whatever it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ops.outages import DatabaseOutages
from bot.telegram.pacing import Pacer
from storage.db.database import Database
from storage.delivery.budget import BudgetRow, participants, publish, withdraw

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
REPLY_FLOOR = 2.0
REPLY_HEADROOM = 1.5
IDLE_PUSHES = 1.0
BEAT_SECONDS = 1.0
FRESH_SECONDS = 3.0
REPLYING = frozenset({"all", "updates"})
PUSHING = frozenset({"all", "sender"})


@dataclass(frozen=True, slots=True)
class Share:
    sends: float  # a second, replies and pushes together
    pushes: float | None  # the part of it pushes may use at most (None: all of it)


def share_of(
    me: str, rows: Sequence[BudgetRow], budget: float, push_cap: float | None, *, warming: frozenset[str]
) -> Share:
    """This process's share, from every fresh row (its own included); ``warming``: pushers not counted yet."""
    if len(rows) <= 1:
        return Share(budget, push_cap)
    needs = {
        row.process_id: max(REPLY_FLOOR, row.replies * REPLY_HEADROOM) for row in rows if row.role in REPLYING
    }
    pushers = [row.process_id for row in rows if row.pushing and row.role in PUSHING]
    counted = [pid for pid in pushers if pid not in warming]
    idle = [row.process_id for row in rows if row.role in PUSHING and row.process_id not in counted]
    left = max(0.0, budget - sum(needs.values()) - IDLE_PUSHES * len(idle))
    if counted:
        extra = left / len(counted) if me in counted else 0.0
    else:
        extra = left / len(needs) if me in needs else 0.0
    pushes = IDLE_PUSHES if me in idle else 0.0
    sends = needs.get(me, 0.0) + extra + pushes
    cap = (
        None
        if push_cap is None
        else push_cap / max(1, len(counted))
        if me in counted
        else min(push_cap, pushes)
    )
    return Share(max(IDLE_PUSHES, sends), cap)


class SharedBudget:
    """This process's row in the send budget, renewed every ``BEAT_SECONDS``, and its share in the pacer."""

    def __init__(
        self,
        db: Database,
        pacer: Pacer,
        *,
        process_id: str,
        role: str,
        push_cap: float | None,
        clock: Clock,
        outages: DatabaseOutages | None = None,
    ) -> None:
        self.db = db
        self.pacer = pacer
        self.id = process_id
        self.role = role
        self.budget = pacer.ceiling
        self.push_cap = push_cap
        self.clock = clock
        self.outages = outages
        self.share = Share(self.budget, push_cap)
        self.processes = 1
        self._pushing_since: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """The first beat (so the others count this process from now), then one every second."""
        await self.beat()
        self._task = asyncio.create_task(self._beats(), name="send-budget")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            async with self.db.write() as session:
                await withdraw(session, self.id)
        except Exception:
            log.warning(
                "could not withdraw from the send budget; the others drop this process in %.0f s",
                FRESH_SECONDS,
            )

    async def beat(self) -> None:
        now = self.clock()
        pushing = self.pacer.pushing and self.role in PUSHING
        if not pushing:
            self._pushing_since = None
        elif self._pushing_since is None:
            self._pushing_since = now
        pause = self.pacer.adaptive.pause()
        row = BudgetRow(
            self.id,
            self.role,
            pushing,
            round(self.pacer.reply_rate(), 2),
            now + timedelta(seconds=pause) if pause > 0 else None,
            now,
        )
        async with self.db.write() as session:
            await publish(session, row)
            rows = await participants(session, now, timedelta(seconds=FRESH_SECONDS))
        # Until the others have read this process's first "pushing" row, it keeps to its idle part.
        warming = frozenset(
            {self.id}
            if self._pushing_since is not None
            and now - self._pushing_since < timedelta(seconds=BEAT_SECONDS * 0.9)
            else ()
        )
        share = share_of(self.id, rows, self.budget, self.push_cap, warming=warming)
        if len(rows) != self.processes:
            log.info("send budget: %d process(es) share %.0f sends a second", len(rows), self.budget)
            self.processes = len(rows)
        self.share = share
        self.pacer.set_share(share.sends, share.pushes)
        for other in rows:
            if other.process_id != self.id and other.paused_until is not None and other.paused_until > now:
                self.pacer.pause_for((other.paused_until - now).total_seconds())

    async def _beats(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            try:
                await self.beat()
            except Exception as error:
                if self.outages is None or not self.outages.failed(error, "sharing the send budget"):
                    log.exception("send budget beat failed; retrying")
