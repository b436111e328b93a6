"""Corrections and retractions (``CORRECTIONS=true``): messages already pushed follow their article.

When an article's title or excerpt changes within ``CORRECTION_WINDOW`` of its push, the content sync
opens an *edit*; when its file is deleted, a *retraction* (storage/catalog/corrections.py). This worker, one in
every sending process, works them through:

- A correction waits until it is ``settle`` old. Every sender re-reads the article as soon as it sees the
  correction (within a poll), and a push already on its way with the old text is answered and recorded
  within Telegram's timeout; after that, pushes carry the new text and need no edit.
- In batches of deliveries by id, one turn each: lock the correction (on PostgreSQL other senders skip
  it meanwhile), read the next messages after its cursor, edit or delete them, move the cursor. A crash
  repeats at most the batch in hand, harmlessly: an edit to the same text is answered "message is not
  modified", a second delete "message to delete not found", and both count as done.
- Paced like pushes: each edit and each delete takes a slot of its chat's own limit (they do not count
  against Telegram's 30 messages a second overall, sends do) and corrections are spaced at this sender's
  push rate, so fixing a million messages never goes faster than pushing them did.
- Photos get ``editMessageCaption``, text pushes ``editMessageText``, both re-rendered from the article
  as it is now, with the keyboard (an edit without one removes it). Messages sent in a digest are left
  alone; so are messages sent before ``message_kind`` was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, LinkPreviewOptions

from bot.ops.config import Settings
from bot.ops.outages import DatabaseOutages
from bot.push.messenger import Failure, Messenger, SendFailure
from bot.push.render import link_preview, render_push
from bot.push.sender import ArticleCache
from bot.telegram.pacing import Pacer
from bot.telegram.windows import Spacing
from bot.texts.registry import texts_for
from storage.catalog.corrections import (
    EDIT,
    CorrectionTarget,
    OpenCorrection,
    advance,
    current,
    targets,
    try_lock,
    unfinished,
)
from storage.content.channel_voice import TEXT
from storage.db.database import Database
from storage.records import PushArticle

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# How a message that Telegram would not fix is logged: an edit to what it already says is routine.
LOG_LEVELS = {"unchanged": logging.DEBUG, "gone": logging.INFO, "failed": logging.WARNING}


@dataclass(frozen=True, slots=True)
class CorrectionSettings:
    window: timedelta = timedelta(hours=48)
    settle: timedelta = timedelta(seconds=13)
    batch: int = 32
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    poll_seconds: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CorrectionSettings:
        """A batch is as many calls as pushes in flight; the settle outlasts a poll and a send."""
        poll = settings.push_poll_seconds
        return cls(
            window=settings.correction_window,
            settle=timedelta(seconds=settings.telegram_timeout + 2 * poll + 1),
            batch=settings.push_concurrency,
            max_attempts=settings.push_max_attempts,
            backoff_base=settings.push_backoff_base,
            backoff_cap=settings.push_backoff_cap,
            poll_seconds=poll,
        )


@dataclass(frozen=True, slots=True)
class Edit:
    """One sent message re-rendered: a caption (photos) or a text with its link preview."""

    caption: bool
    html: str
    keyboard: InlineKeyboardMarkup
    preview: LinkPreviewOptions | None


def render_edit(target: CorrectionTarget, article: PushArticle, bot_username: str | None = None) -> Edit:
    """The message ``target`` as the article reads now, in the form it was sent in (a channel's in its
    voice, its Follow button linking to ``bot_username``)."""
    as_caption = target.message_kind == "photo"
    message = render_push(
        article,
        target.followed,
        texts_for(target.language),
        as_caption=as_caption,
        voice=target.voice,
        bot_username=bot_username,
    )
    previews = target.voice.style != TEXT if target.voice is not None else target.image_previews
    preview = None if as_caption else link_preview(article, previews)
    return Edit(as_caption, message.html, message.keyboard, preview)


def settled_as(failure: SendFailure) -> str | None:
    """How a refused edit or delete ends: "unchanged", "gone", "failed"; None: try it again."""
    if failure.kind in (Failure.RATE_LIMITED, Failure.TRANSIENT):
        return None
    if failure.kind is Failure.UNCHANGED:
        return "unchanged"
    if failure.kind in (Failure.GONE, Failure.BLOCKED):
        return "gone"
    return "failed"


class CorrectionWorker:
    """One per sending process (when ``CORRECTIONS`` is on); ``stop()`` lets the batch in hand finish."""

    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        pacer: Pacer,
        articles: ArticleCache,
        settings: CorrectionSettings,
        *,
        clock: Clock,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.pacer = pacer
        # The push worker's cache: refreshing an article here is what gives pending pushes the new text.
        self.articles = articles
        self.settings = settings
        self.clock = clock
        self._spacing = Spacing(pacer.pushes.rate, pacer.clock)
        self._paused_until = 0.0  # loop time; set by a 429
        self._seen: set[int] = set()
        self._tallies: dict[int, Counter[str]] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.outages: DatabaseOutages | None = None  # rounds failing on an outage wait for the database
        self.bot_username: str | None = None  # the Follow buttons' bot, known at start

    def start(self, *, bot_username: str) -> None:
        """Start correcting; a channel's edited push keeps its Follow button into ``bot_username``."""
        self.bot_username = bot_username
        self._task = asyncio.create_task(self._run(), name="correction-worker")

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self, grace: float = 20.0) -> None:
        """Take no new batch; the one in hand gets ``grace`` seconds, else it is repeated after a restart."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        failed_rounds = 0
        while not self._stopping.is_set():
            more = False
            try:
                more = await self._round()
                failed_rounds = 0
            except Exception as error:
                if self.outages is not None and self.outages.failed(error, "correcting sent messages"):
                    await self.outages.pause(failed_rounds)
                    failed_rounds += 1
                    continue
                # Any other failure must not end corrections: log it and try again on the next round.
                log.exception("correction round failed")
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.settings.poll_seconds)

    async def _round(self) -> bool:
        """One batch of every correction that is due; True when some have more to do."""
        async with self.db.read() as session:
            corrections = await unfinished(session)
        await self._notice(corrections)
        now = self.clock()
        more = False
        for correction in corrections:
            if self._stopping.is_set():
                break
            if now >= correction.created_at + self.settings.settle:
                more = await self._batch(correction.id) or more
        return more

    async def _notice(self, corrections: list[OpenCorrection]) -> None:
        """Re-read each newly edited article at once, so pushes still to go carry the new text."""
        for correction in corrections:
            if correction.id not in self._seen:
                log.info(
                    "correction %d: %s of article %d", correction.id, correction.action, correction.article_id
                )
                if correction.action == EDIT:
                    await self.articles.get(correction.article_id, fresh=True)
        self._seen = {correction.id for correction in corrections}

    async def _batch(self, correction_id: int) -> bool:
        """The next batch of one correction; True when it has more."""
        # The advisory lock (PostgreSQL) lasts as long as this session's transaction: the whole batch.
        async with self.db.read() as lock:
            if not await try_lock(lock, correction_id):
                return False  # another sender is working it
            async with self.db.read() as session:
                correction = await current(session, correction_id)
                if correction is None:
                    return False  # finished or superseded meanwhile
                edit = correction.action == EDIT
                batch = await targets(
                    session,
                    correction,
                    window=self.settings.window,
                    sent_until=correction.created_at + self.settings.settle if edit else None,
                    limit=self.settings.batch,
                )
            article = await self.articles.get(correction.article_id, fresh=True) if edit and batch else None
            if edit and batch and article is None:
                batch = []  # the article is gone from the store altogether: nothing to render
            outcomes = await self._apply(batch, article)
            finished = len(batch) < self.settings.batch
            cursor = batch[-1].delivery_id if batch else correction.cursor
            async with self.db.write() as session:
                await advance(session, correction.id, cursor, self.clock(), finished=finished)
        tally = self._tallies.setdefault(correction.id, Counter())
        tally.update(outcomes)
        if finished:
            done = (
                ", ".join(f"{count} {outcome}" for outcome, count in sorted(tally.items())) or "nothing to do"
            )
            log.info("correction %d finished here: %s", correction.id, done)
            self._tallies.pop(correction.id, None)
        return not finished

    async def _apply(self, batch: list[CorrectionTarget], article: PushArticle | None) -> list[str]:
        """Edit (``article`` given) or delete every message of the batch, paced; the outcome of each."""
        calls: list[asyncio.Task[str]] = []
        try:
            for target in batch:
                await self._slot(target.chat_id)
                edit = render_edit(target, article, self.bot_username) if article is not None else None
                calls.append(asyncio.create_task(self._fix(target, edit)))
            return list(await asyncio.gather(*calls))
        finally:
            for call in calls:
                call.cancel()  # a no-op once finished; on cancellation none outlives the batch

    async def _slot(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        self._spacing.rate = self.pacer.pushes.rate  # this sender's share of PUSH_RATE, as it is now
        # The pause is computed: sleeping exactly until a slot frees is the point, not polling.
        while (pause := max(self._spacing.delay(), self._paused_until - loop.time())) > 0:  # noqa: ASYNC110
            await asyncio.sleep(pause)
        self._spacing.take()
        await self.pacer.wait(chat_id, counts_globally=False)

    async def _fix(self, target: CorrectionTarget, edit: Edit | None) -> str:
        """One message: "edited", "deleted", or how Telegram's refusal settled it."""
        chat, message = target.chat_id, target.message_id
        attempt = 0
        while True:
            try:
                if edit is None:
                    await self.messenger.delete(chat, message)
                    return "deleted"
                if edit.caption:
                    await self.messenger.edit_caption(chat, message, edit.html, edit.keyboard)
                else:
                    assert edit.preview is not None
                    await self.messenger.edit_text(
                        chat, message, edit.html, edit.keyboard, preview=edit.preview
                    )
                return "edited"
            except SendFailure as failure:
                attempt += 1
                outcome = settled_as(failure)
                if outcome is None and attempt < self.settings.max_attempts:
                    await self._wait_after(failure, attempt)
                    continue
                outcome = outcome or "failed"
                log.log(
                    LOG_LEVELS[outcome], "correction of message %d in chat %d: %s", message, chat, failure
                )
                return outcome

    async def _wait_after(self, failure: SendFailure, attempt: int) -> None:
        if failure.kind is Failure.RATE_LIMITED:
            # Telegram does not say which limit it was: no correction goes before retry_after.
            loop = asyncio.get_running_loop()
            self._paused_until = max(self._paused_until, loop.time() + failure.retry_after)
            await asyncio.sleep(failure.retry_after)
            return
        delay = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))
