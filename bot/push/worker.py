"""The delivery worker: expands due fan-out jobs and drains pending deliveries at Telegram's pace.

Semantics (docs/delivery.md): at-least-once over an idempotent ledger. A row is marked sent only after
Telegram accepted the message, and a sender counts as busy until that mark is committed, so a crash can
repeat at most the sends in flight (≤ concurrency). Each destination has at most one push in flight, its
oldest article first, so its order and its pace hold.

A round: read the next push of many destinations in one query; take about a second's worth of them
(skipping destinations whose own chat limit is exhausted, so one slow chat never blocks the others), check
that group once more in one query, then send each as soon as the pacer gives it a slot. The slot is held
only from the send to its answer (bot/telegram/windows.py), so the check costs no share of Telegram's rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.ops.metrics import Metrics
from bot.ops.outages import DatabaseOutages
from bot.push.access import PushAccess
from bot.push.ledger import SentLedger
from bot.push.messenger import Failure, Messenger, SendFailure
from bot.push.sender import ArticleCache, PushSender
from bot.push.senders import SenderFleet
from bot.telegram.pacing import Pacer
from bot.telegram.windows import Slot
from storage.db.database import Database
from storage.delivery.claims import still_leased
from storage.delivery.fanout import due_jobs, expand_batch
from storage.delivery.ledger import (
    Check,
    Head,
    check_many,
    destination_queue,
    due_heads,
    mark,
    mark_sent,
    postpone_destination,
    reschedule,
)
from storage.delivery.push_articles import digest_items
from storage.readers.chats import block_chat, migrate_chat
from storage.readers.schedules import digest_headings
from storage.records import Destination

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
BACKLOG = 500
NOT_SERVED = "not served by this private deployment"
BACKLOG_MAX_AGE = 1.0  # seconds: heads read longer ago are read again


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    concurrency: int = 32
    digest_threshold: int = 5
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    poll_seconds: float = 1.0
    fanout_batch: int = 1_000
    max_age: timedelta | None = None


class DeliveryWorker:
    """One per sending process. ``wake()`` when new articles arrive; ``stop()`` finishes in-flight sends."""

    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        pacer: Pacer,
        settings: DeliverySettings,
        *,
        clock: Clock,
        metrics: Metrics | None = None,
        on_failed: Callable[[str], None] | None = None,
        fleet: SenderFleet | None = None,
        outages: DatabaseOutages | None = None,
        access: PushAccess | None = None,
    ) -> None:
        self.on_failed = on_failed
        # A private deployment's pushes go only to the chats it serves (bot/push/access.py).
        self.access = access
        # Database outages are waited out (bot/ops/outages.py): a round that fails on one waits for the
        # database, and what a finished send must write is retried until it is written.
        self.outages = outages
        # Told (chat id, Telegram's words) when a chat is closed to the bot: blocked, or no right to post.
        self.on_blocked: Callable[[int, str], Awaitable[None]] | None = None
        # Leases on chats (``join``-ed before ``start``). The
        # lone sender SQLite allows owns the whole queue: it leases nothing.
        self.fleet = fleet
        self.owner = fleet.id if fleet is not None and fleet.leases else None
        self.db = db
        self.metrics = metrics or Metrics()
        self.pacer = pacer
        self.settings = settings
        self.clock = clock
        self.articles = ArticleCache(db)
        self.sender = PushSender(db, messenger, self.articles)
        self.ledger = SentLedger(db, clock, outages)
        self.last_success: datetime | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._jobs_pending = True
        self._busy: dict[Destination, asyncio.Task[None]] = {}
        self._backlog: deque[Head] = deque()
        self._backlog_read = 0.0
        self._first_photos: set[int] = set()  # articles whose image is being uploaded for the first time
        self._task: asyncio.Task[None] | None = None

    def wake(self, *, jobs: bool = True) -> None:
        """Look for work now; ``jobs``: new articles may have arrived, expand their fan-out first."""
        self._jobs_pending = self._jobs_pending or jobs
        self._wake.set()

    def start(self, *, bot_username: str) -> None:
        """Start pushing; a channel's push links to the bot ``bot_username`` (known once PTB initialized)."""
        self.sender.cards.bot_username = bot_username
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def in_flight(self) -> int:
        return len(self._busy)

    async def stop(self, grace: float = 20.0) -> None:
        """Take no new work; give in-flight sends ``grace`` seconds to finish and be recorded."""
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            for task in self._busy.values():
                task.cancel()
            await asyncio.gather(self._task, *self._busy.values(), return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_expand = 0.0
        failed_rounds = 0  # in a row, during a database outage: the backoff step
        while not self._stopping.is_set():
            try:
                # Finished sends wake the loop often; jobs are looked for when new articles arrive
                # and on every poll, which also catches scheduled articles.
                if self._jobs_pending or loop.time() >= next_expand:
                    self._jobs_pending = False
                    next_expand = loop.time() + self.settings.poll_seconds
                    await self._expand()
                await self._dispatch()
                failed_rounds = 0
            except Exception as error:
                if self.outages is not None and self.outages.failed(error, "pushing"):
                    # Nothing is lost: the ledger still holds every row. Look again when it is back.
                    self._jobs_pending = True
                    self._backlog.clear()
                    await self.outages.pause(failed_rounds)
                    failed_rounds += 1
                    continue
                # Any other failure must not end pushing either: log it and try again on the next round.
                log.exception("delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)
            self._wake.clear()
        if self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    async def _expand(self) -> None:
        now = self.clock()
        async with self.db.read() as session:
            jobs = await due_jobs(session, now)
        for article_id in jobs:
            finished = False
            while not finished and not self._stopping.is_set():
                async with self.db.write_bulk() as session:
                    result = await expand_batch(
                        session,
                        article_id,
                        now,
                        batch=self.settings.fanout_batch,
                        max_age=self.settings.max_age,
                    )
                finished = result.finished
                if result.skipped:
                    log.info("article %d not pushed: %s", article_id, result.skipped)
                self.metrics.count_delivery("skipped", result.filtered)
        if jobs:
            self._backlog.clear()

    async def _heads(self, free: int) -> None:
        loop = asyncio.get_running_loop()
        if len(self._backlog) >= free and loop.time() - self._backlog_read < BACKLOG_MAX_AGE:
            return
        if self.fleet is not None and self.owner is not None:
            busy_chats = {chat_id for chat_id, _ in self._busy}
            await self.fleet.top_up(busy=busy_chats, concurrency=self.settings.concurrency)
        async with self.db.read() as session:
            heads = await due_heads(
                session, self.clock(), limit=BACKLOG, busy=self._busy.keys(), owner=self.owner
            )
        self._backlog = deque(heads)
        self._backlog_read = loop.time()

    async def _dispatch(self) -> None:
        free = self.settings.concurrency - len(self._busy)
        if free <= 0 or self._stopping.is_set():
            return
        await self._heads(free)
        skipped: list[Head] = []
        while self._backlog and not self._stopping.is_set():
            # About a second of pushes at a time: checked together, then each sent as its slot comes,
            # so a row is checked at most about a second before it goes.
            room = self.settings.concurrency - len(self._busy)
            group = await self._group(min(room, max(1, math.floor(self.pacer.push_rate))), skipped)
            if not group:
                break
            for head, check in await self._last_check(group):
                # The slot is held from here until Telegram's answer (a 429 pauses the wait: bot/telegram).
                slot = await self.pacer.wait(head.chat_id, push=True)
                self._spawn(head.destination, self._send(head, check, slot))
        self._backlog.extend(skipped)

    async def _group(self, size: int, skipped: list[Head]) -> list[Head]:
        """The next rows to send from the backlog, at most ``size``; digests start on their own."""
        group: list[Head] = []
        while self._backlog and len(group) < size:
            head = self._backlog.popleft()
            if head.destination in self._busy or any(head.destination == h.destination for h in group):
                continue
            if head.waiting > self.settings.digest_threshold or head.held:
                self._spawn(head.destination, self._send_digest(head.destination))
                continue
            article = await self.articles.get(head.article_id)
            if article is None:
                continue
            needs_upload = article.image_url is not None and article.image_file_id is None
            if (needs_upload and article.id in self._first_photos) or self.pacer.chat_delay(head.chat_id) > 0:
                # The first photo of an article goes alone; a chat at its own limit waits its turn.
                skipped.append(head)
                continue
            if needs_upload:
                self._first_photos.add(article.id)
            group.append(head)
        return group

    async def _last_check(self, heads: list[Head]) -> list[tuple[Head, Check]]:
        """The last check of a group of rows, in one query: the rows still wanted, with their check."""
        async with self.db.read() as session:
            if self.owner is not None:
                # A chat whose lease this sender lost (it stalled past the lease) is another's now.
                mine = await still_leased(session, self.owner, {head.chat_id for head in heads})
                lost = [head for head in heads if head.chat_id not in mine]
                if lost:
                    log.warning(
                        "lease lost on %d chat(s) before sending: left to their new sender", len(lost)
                    )
                    self._first_photos.difference_update(head.article_id for head in lost)
                    heads = [head for head in heads if head.chat_id in mine]
            checks = await check_many(session, [head.delivery_id for head in heads], self.clock())
        outsiders = await self.access.outsiders(head.chat_id for head in heads) if self.access else set()
        unwanted = [
            head for head in heads if head.delivery_id not in checks and head.chat_id not in outsiders
        ]
        refused = [head for head in heads if head.chat_id in outsiders]
        await self._cancel([head.delivery_id for head in unwanted], "no longer wanted")
        await self._cancel([head.delivery_id for head in refused], NOT_SERVED)
        self._first_photos.difference_update(head.article_id for head in [*unwanted, *refused])
        wanted = [head for head in heads if head.delivery_id in checks and head.chat_id not in outsiders]
        return [(head, checks[head.delivery_id]) for head in wanted]

    async def _cancel(self, delivery_ids: list[int], reason: str) -> None:
        if delivery_ids:
            async with self.db.write() as session:
                await mark(session, delivery_ids, "cancelled", reason)
            self.metrics.count_delivery("cancelled", len(delivery_ids))

    def _spawn(self, destination: Destination, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name=f"push-{destination[0]}")
        self._busy[destination] = task

        def done(_task: asyncio.Task[None]) -> None:
            self._busy.pop(destination, None)
            self.wake(jobs=False)

        task.add_done_callback(done)

    async def _send(self, head: Head, check: Check, slot: Slot) -> None:
        try:
            article = await self.articles.get(head.article_id)
            if article is None:
                return
            try:
                sent = await self.sender.send(head.destination, article, check)
            except SendFailure as failure:
                slot.done()
                await self._failed(head, failure)
                return
            slot.done()  # answered: the slot counts one more second, then frees (bot/telegram/windows.py)
            await self.ledger.record(head.delivery_id, sent.message_id, sent.kind)
            self.metrics.count_delivery("sent")
            self.last_success = self.clock()
        except Exception:
            log.exception("push of article %d to chat %d failed", head.article_id, head.chat_id)
        finally:
            slot.done()
            self._first_photos.discard(head.article_id)

    async def _send_digest(self, destination: Destination) -> None:
        """Too many pushes waiting for one destination, or pushes held for a digest (quiet hours, a daily
        digest) now due: one digest message for all that is due there (split when long)."""
        slot = await self.pacer.wait(destination[0], push=True)
        try:
            async with self.db.read() as session:
                queue = await destination_queue(session, destination, self.clock())
                if self.owner is not None and not await still_leased(session, self.owner, [destination[0]]):
                    return
                checks = await check_many(session, [p.delivery_id for p in queue], self.clock())
                wanted = [p for p in queue if p.delivery_id in checks]
                items = await digest_items(session, [p.article_id for p in wanted])
                headings = await digest_headings(session, [p.delivery_id for p in wanted])
            if self.access and await self.access.outsiders([destination[0]]):
                await self._cancel([p.delivery_id for p in queue], NOT_SERVED)
                return
            await self._cancel(
                [p.delivery_id for p in queue if p.delivery_id not in checks], "no longer wanted"
            )
            if not wanted:
                return
            first_check = checks[wanted[0].delivery_id]
            silent, language, voice = first_check.preferences.silent, first_check.language, first_check.voice
            sent_ids: list[int] = []
            for number, part in enumerate(self.sender.digest_parts(items, language, headings, voice)):
                if number:
                    slot = await self.pacer.wait(destination[0], push=True)
                try:
                    sent_ids.append(await self.sender.send_digest_part(destination, part, silent=silent))
                except SendFailure as failure:
                    slot.done()
                    if not sent_ids:
                        first = wanted[0]
                        head = Head(
                            first.delivery_id, first.article_id, *destination, first.attempts, len(wanted)
                        )
                        await self._failed(head, failure, also=[p.delivery_id for p in wanted[1:]])
                        return
                    log.warning("digest to chat %s cut short: %s", destination[0], failure)
                    break
                slot.done()
            delivered = [p.delivery_id for p in wanted]

            async def record() -> None:
                async with self.db.write() as session:
                    await mark_sent(session, delivered, sent_ids[0], self.clock(), via_digest=True)

            await self._until_written("recording a sent digest", record)
            self.metrics.count_delivery("sent", len(wanted))
            self.last_success = self.clock()
        except Exception:
            log.exception("digest to chat %d failed", destination[0])
        finally:
            slot.cancel()  # a no-op once done: a digest that sent nothing gives its slot back

    async def _until_written(self, what: str, write: Callable[[], Awaitable[T]]) -> T:
        """What Telegram already did must reach the ledger: retried through database outages."""
        if self.outages is None:
            return await write()
        return await self.outages.retry(what, write)

    async def _failed(self, head: Head, failure: SendFailure, also: list[int] | None = None) -> None:
        """Record a refused send, by kind of failure (classified once, in bot.push.messenger)."""
        self.metrics.count_send_failure(failure.kind.value)
        if failure.kind is Failure.RATE_LIMITED:
            # Telegram does not say whether the limit was the chat's or the bot's: honour both. The pacer
            # was told already (by PTB's rate-limiter hook); telling it again is the same 429 event.
            self.pacer.rate_limited(failure.retry_after)
        outcome = await self._until_written(
            "recording a refused push", lambda: self._record_failure(head, failure, also or [])
        )
        if outcome == "blocked":
            self.metrics.count_delivery("blocked")
            if self.on_blocked is not None:
                await self.on_blocked(head.chat_id, failure.description)
        elif outcome == "failed":
            self.metrics.count_delivery("failed", 1 + len(also or []))
            if self.on_failed is not None:
                self.on_failed(f"chat {head.chat_id}: {failure}")
            log.warning("push to chat %s failed for good: %s", head.chat_id, failure)

    async def _record_failure(self, head: Head, failure: SendFailure, also: list[int]) -> str:
        """One transaction; says what became of the row: blocked, failed, or "later" (retried, moved)."""
        now = self.clock()
        async with self.db.write() as session:
            if failure.kind is Failure.BLOCKED:
                await block_chat(session, head.chat_id, now, str(failure))
                return "blocked"
            if failure.kind is Failure.MIGRATED and failure.new_chat_id is not None:
                await migrate_chat(session, head.chat_id, failure.new_chat_id, now)
                self._backlog.clear()  # the rows now belong to the new chat id: read again
                return "later"
            if failure.kind is Failure.RATE_LIMITED:
                await postpone_destination(
                    session, head.destination, now + timedelta(seconds=failure.retry_after)
                )
                self._backlog.clear()
                return "later"
            if failure.kind is Failure.TRANSIENT and head.attempts + 1 < self.settings.max_attempts:
                delay = min(self.settings.backoff_cap, self.settings.backoff_base * 2**head.attempts)
                delay *= random.uniform(0.5, 1.0)  # jitter: retries of a burst do not return in step
                await reschedule(session, head.delivery_id, now + timedelta(seconds=delay), str(failure))
                self._backlog.clear()
                return "later"
            await mark(session, [head.delivery_id, *also], "failed", str(failure))
            return "failed"
