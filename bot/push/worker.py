"""The delivery worker: expands due fan-out jobs and drains pending deliveries at Telegram's pace.

Semantics (docs/delivery.md): at-least-once over an idempotent ledger. A row is marked sent only after
Telegram accepted the message, so a crash can repeat at most the sends that were in flight (≤ concurrency).
Each destination is served by one task at a time, oldest article first, so its order and its pace hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import LinkPreviewOptions

from bot.pacing import Pacer
from bot.push.messenger import Failure, Messenger, SendFailure
from bot.push.render import link_preview, render_digest, render_push
from bot.texts import Texts, texts_for
from storage.database import Database
from storage.deliveries import (
    Destination,
    PendingPush,
    block_chat,
    destination_queue,
    digest_items,
    due_destinations,
    followed_topic_ids,
    load_push_article,
    mark,
    mark_sent,
    migrate_chat,
    postpone_destination,
    remember_file_id,
    remember_image_failure,
    reschedule,
    still_wanted,
)
from storage.fanout import due_jobs, expand_batch
from storage.records import Preferences, PushArticle

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


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
        texts: Texts | None = None,
    ) -> None:
        self.db = db
        self.pacer = pacer
        self.messenger = messenger
        self.settings = settings
        self.clock = clock
        self.texts = texts or texts_for(None)
        self.last_success: datetime | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._busy: dict[Destination, asyncio.Task[None]] = {}
        self._articles: dict[int, PushArticle] = {}
        self._image_locks: dict[int, asyncio.Lock] = {}
        self._paused_until = 0.0  # monotonic; set by a 429: no push goes before it
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-worker")

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self, grace: float = 20.0) -> None:
        """Take no new work; give in-flight sends ``grace`` seconds to finish and be recorded."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                self._task.cancel()
                for task in self._busy.values():
                    task.cancel()
                await asyncio.gather(self._task, *self._busy.values(), return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._expand()
                await self._dispatch()
            except Exception:
                # A database hiccup must not end pushing: log it and try again on the next round.
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
            while not self._stopping.is_set():
                async with self.db.write() as session:
                    result = await expand_batch(
                        session,
                        article_id,
                        now,
                        batch=self.settings.fanout_batch,
                        max_age=self.settings.max_age,
                    )
                if result.skipped:
                    log.info("article %d not pushed: %s", article_id, result.skipped)
                if result.finished:
                    break

    async def _dispatch(self) -> None:
        free = self.settings.concurrency - len(self._busy)
        if free <= 0 or self._stopping.is_set():
            return
        async with self.db.read() as session:
            destinations = await due_destinations(session, self.clock(), limit=free, busy=self._busy.keys())
        for destination in destinations:
            task = asyncio.create_task(self._serve(destination), name=f"push-{destination[0]}")
            self._busy[destination] = task
            task.add_done_callback(functools.partial(self._done, destination))

    def _done(self, destination: Destination, _task: asyncio.Task[None]) -> None:
        self._busy.pop(destination, None)
        self._wake.set()

    async def _serve(self, destination: Destination) -> None:
        """Send a destination's due pushes in order, or one digest when too many are waiting."""
        try:
            async with self.db.read() as session:
                queue = await destination_queue(session, destination, self.clock())
            if len(queue) > self.settings.digest_threshold:
                await self._send_digest(destination, queue)
                return
            for push in queue:
                if self._stopping.is_set():
                    return
                if not await self._send_one(push):
                    return
        except Exception:
            log.exception("pushing to chat %s failed", destination[0])

    async def _pause_if_rate_limited(self) -> None:
        loop = asyncio.get_running_loop()
        while (pause := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110 - a computed pause
            await asyncio.sleep(pause)

    async def _article(self, article_id: int, *, fresh: bool = False) -> PushArticle | None:
        if fresh or article_id not in self._articles:
            async with self.db.read() as session:
                article = await load_push_article(session, article_id)
            if article is None:
                return None
            if len(self._articles) > 1_000:
                self._articles.clear()
            self._articles[article_id] = article
        return self._articles[article_id]

    async def _wait_turn(self, destination: Destination) -> None:
        """Wait out a 429 pause, then take a pacing slot for one push to ``destination``."""
        await self._pause_if_rate_limited()
        await self.pacer.wait(destination[0], push=True)

    async def _send_one(self, push: PendingPush) -> bool:
        """Send one push; False when this destination should not be served further this round."""
        article = await self._article(push.article_id)
        if article is None:
            return True
        if article.image_url and article.image_file_id is None:
            # The first photo send of an article goes alone; the others wait and reuse its file_id.
            async with self._image_locks.setdefault(article.id, asyncio.Lock()):
                return await self._checked_send(push)
        return await self._checked_send(push)

    async def _checked_send(self, push: PendingPush) -> bool:
        """Take the pacing slot, check the row is still wanted, send, record."""
        await self._wait_turn((push.chat_id, push.thread_id))
        async with self.db.read() as session:
            preferences = await still_wanted(session, push.delivery_id)
            followed = (
                await followed_topic_ids(session, (push.chat_id, push.thread_id)) if preferences else None
            )
        if preferences is None or followed is None:
            async with self.db.write() as session:
                await mark(session, [push.delivery_id], "cancelled", "no longer wanted")
            return True
        article = await self._article(push.article_id, fresh=True)
        if article is None:
            return True
        try:
            message_id = await self._deliver(push, article, preferences, followed)
        except SendFailure as failure:
            return await self._failed(push, failure)
        async with self.db.write() as session:
            await mark_sent(session, [push.delivery_id], message_id, self.clock())
        self.last_success = self.clock()
        return True

    async def _deliver(
        self, push: PendingPush, article: PushArticle, preferences: Preferences, followed: frozenset[int]
    ) -> int:
        chat, thread = push.chat_id, push.thread_id
        if preferences.image_previews and article.image_url:
            if article.image_file_id is None:
                return await self._first_photo(push, article, preferences, followed)
            if article.image_url:
                photo = article.image_file_id or article.image_url
                message = render_push(article, followed, self.texts, as_caption=True)
                try:
                    sent = await self.messenger.send_photo(
                        chat, thread, photo, message.html, message.keyboard, silent=preferences.silent
                    )
                    return sent.message_id
                except SendFailure as failure:
                    if failure.kind is not Failure.PHOTO_REFUSED:
                        raise
                    await self._image_refused(article, failure)
                    article = await self._article(article.id, fresh=True) or article
        return await self._send_text(push, article, preferences, followed)

    async def _first_photo(
        self, push: PendingPush, article: PushArticle, preferences: Preferences, followed: frozenset[int]
    ) -> int:
        assert article.image_url is not None
        message = render_push(article, followed, self.texts, as_caption=True)
        try:
            sent = await self.messenger.send_photo(
                push.chat_id,
                push.thread_id,
                article.image_url,
                message.html,
                message.keyboard,
                silent=preferences.silent,
            )
        except SendFailure as failure:
            if failure.kind is not Failure.PHOTO_REFUSED:
                raise
            await self._image_refused(article, failure)
            fallback = await self._article(article.id, fresh=True) or article
            return await self._send_text(push, fallback, preferences, followed)
        if sent.photo_file_id:
            async with self.db.write() as session:
                await remember_file_id(session, article.id, article.image_url, sent.photo_file_id)
            await self._article(article.id, fresh=True)
        return sent.message_id

    async def _image_refused(self, article: PushArticle, failure: SendFailure) -> None:
        assert article.image_url is not None
        log.warning("image of article %d refused by Telegram (%s): sending text instead", article.id, failure)
        async with self.db.write() as session:
            await remember_image_failure(session, article.id, article.image_url, failure.description)

    async def _send_text(
        self, push: PendingPush, article: PushArticle, preferences: Preferences, followed: frozenset[int]
    ) -> int:
        message = render_push(article, followed, self.texts, as_caption=False)
        sent = await self.messenger.send_text(
            push.chat_id,
            push.thread_id,
            message.html,
            message.keyboard,
            silent=preferences.silent,
            preview=link_preview(article, preferences.image_previews),
        )
        return sent.message_id

    async def _send_digest(self, destination: Destination, queue: list[PendingPush]) -> None:
        await self._wait_turn(destination)
        async with self.db.read() as session:
            wanted = [p for p in queue if await still_wanted(session, p.delivery_id) is not None]
            preferences = await still_wanted(session, wanted[0].delivery_id) if wanted else None
            items = await digest_items(session, [p.article_id for p in wanted])
        unwanted = [p.delivery_id for p in queue if p not in wanted]
        if unwanted:
            async with self.db.write() as session:
                await mark(session, unwanted, "cancelled", "no longer wanted")
        if not wanted or preferences is None:
            return
        chat, thread = destination
        sent_ids: list[int] = []
        try:
            for number, part in enumerate(render_digest(items, self.texts)):
                if number:
                    await self._wait_turn(destination)
                sent = await self.messenger.send_text(
                    chat, thread, part, None, silent=preferences.silent, preview=link_preview_off()
                )
                sent_ids.append(sent.message_id)
        except SendFailure as failure:
            if not sent_ids:
                await self._failed(wanted[0], failure, also=[p.delivery_id for p in wanted[1:]])
                return
            log.warning("digest to chat %s cut short: %s", chat, failure)
        async with self.db.write() as session:
            await mark_sent(
                session, [p.delivery_id for p in wanted], sent_ids[0], self.clock(), via_digest=True
            )
        self.last_success = self.clock()

    async def _failed(self, push: PendingPush, failure: SendFailure, also: list[int] | None = None) -> bool:
        """Record a refused send; True when the destination may be served further."""
        destination = (push.chat_id, push.thread_id)
        rows = [push.delivery_id, *(also or [])]
        now = self.clock()
        async with self.db.write() as session:
            if failure.kind is Failure.BLOCKED:
                await block_chat(session, push.chat_id, now, str(failure))
                return False
            if failure.kind is Failure.MIGRATED and failure.new_chat_id is not None:
                await migrate_chat(session, push.chat_id, failure.new_chat_id, now)
                self.wake()  # the rows now belong to the new chat id: sent next round
                return False
            if failure.kind is Failure.RATE_LIMITED:
                # Telegram does not say whether the limit was the chat's or the bot's: honour both.
                loop = asyncio.get_running_loop()
                self._paused_until = max(self._paused_until, loop.time() + failure.retry_after)
                await postpone_destination(session, destination, now + timedelta(seconds=failure.retry_after))
                return False
            if failure.kind is Failure.TRANSIENT and push.attempts + 1 < self.settings.max_attempts:
                delay = min(self.settings.backoff_cap, self.settings.backoff_base * 2**push.attempts)
                delay *= random.uniform(0.5, 1.0)  # jitter: retries of a burst do not return in step
                await reschedule(session, push.delivery_id, now + timedelta(seconds=delay), str(failure))
                return False
            await mark(session, rows, "failed", str(failure))
        log.warning("push to chat %s failed for good: %s", push.chat_id, failure)
        return True


def link_preview_off() -> LinkPreviewOptions:
    return LinkPreviewOptions(is_disabled=True)
