"""Every topic with its live-article count and aliases, held in memory between content changes.

Readers ask for topics all the time (``/topics``, every tap, ``/mytopics``, ``/subscribe``), and the
answers change only when the content changes or a scheduled article comes due. Counting live articles per
topic on each request cost tens of milliseconds at 100,000 articles; a ``TopicDirectory`` is built once by
one grouped query and kept until the sync writes a new ``topics_version`` (any process may) or the next
scheduled publication passes. A request then costs nothing but, at most once a second, one primary-key
read of that version.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content.topics import clean_topic_name, topic_key
from storage.db.database import Database
from storage.db.models import Article, ArticleTopic, Topic, TopicAlias
from storage.db.versions import VersionWatch, bump_version, read_version
from storage.records import TopicLookup, TopicSummary

VERSION_KEY = "topics_version"
MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class TopicDirectory:
    """The topics as read at some moment; the counts hold from ``valid_from`` (the latest publication then;
    None: none yet) until ``valid_until`` (the next scheduled one; None: none scheduled)."""

    version: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    by_id: dict[int, TopicSummary]
    ids_by_key: dict[str, int]  # topic keys and alias keys; a topic's own name wins over another's alias
    # Topics shown to every destination (a description, or a live article), in key order.
    shown: tuple[int, ...]
    _position: dict[int, int] = field(repr=False)  # topic id -> rank in key order
    _candidates: dict[str, str] = field(repr=False)  # name or alias key -> display name, for suggestions

    def holds_at(self, now: datetime) -> bool:
        # Counts change only when an article's publication time passes: between two publications they hold
        # for any moment, so requests that read the clock a little earlier than the build still use it.
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )

    def get(self, topic_id: int) -> TopicSummary | None:
        return self.by_id.get(topic_id)

    def in_order(self, topic_ids: Iterable[int]) -> list[TopicSummary]:
        """The known topics among ``topic_ids``, in name order."""
        known = {i for i in topic_ids if i in self.by_id}
        return [self.by_id[i] for i in sorted(known, key=self._position.__getitem__)]

    def page(self, followed: Iterable[int], offset: int, limit: int) -> tuple[list[TopicSummary], int]:
        """One page of the topics a destination sees (the shown ones and those it follows), and the total."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")
        extra = {i for i in followed if i in self.by_id} - set(self.shown)
        if not extra:
            return [self.by_id[i] for i in self.shown[offset : offset + limit]], len(self.shown)
        ordered = sorted((*self.shown, *extra), key=self._position.__getitem__)
        return [self.by_id[i] for i in ordered[offset : offset + limit]], len(ordered)

    def resolve(self, names: Sequence[str]) -> TopicLookup:
        """Find topics by name or alias in any case and spacing; suggest close names for the rest."""
        typed: dict[str, str] = {}  # key -> the first spelling given
        for name in names:
            if key := topic_key(name):
                typed.setdefault(key, clean_topic_name(name))
        found_ids = list(dict.fromkeys(self.ids_by_key[key] for key in typed if key in self.ids_by_key))
        found = tuple(self.by_id[topic_id] for topic_id in found_ids)
        unknown = tuple((typed[key], self.suggestions(key)) for key in typed if key not in self.ids_by_key)
        return TopicLookup(found, unknown)

    def suggestions(self, key: str) -> tuple[str, ...]:
        """Up to three display names whose name or alias is close to ``key``, closest first."""
        # Ask for extra matches: a topic's name and its aliases may all be close, and each counts once.
        close = difflib.get_close_matches(key, self._candidates, n=MAX_SUGGESTIONS * 4)
        return tuple(dict.fromkeys(self._candidates[match] for match in close))[:MAX_SUGGESTIONS]


async def load_directory(session: AsyncSession, now: datetime, *, counted: bool = True) -> TopicDirectory:
    """Read every topic, alias and live-article count as of ``now``, in the session's one transaction.

    ``counted=False`` skips the counts (all zero): enough to resolve names inside a sync's own transaction.
    """
    # The version first: a sync that commits after this read makes the next request rebuild.
    version = await read_version(session, VERSION_KEY)
    topics = (await session.execute(select(Topic.id, Topic.key, Topic.name, Topic.description))).all()
    aliases = (
        await session.execute(
            select(TopicAlias.alias_key, TopicAlias.topic_id, Topic.name).join(
                Topic, Topic.id == TopicAlias.topic_id
            )
        )
    ).all()
    counts = await _live_counts(session, now) if counted else {}
    live = Article.withdrawn_at.is_(None)
    valid_from = await session.scalar(
        select(func.max(Article.published_at)).where(live, Article.published_at <= now)
    )
    valid_until = await session.scalar(
        select(func.min(Article.published_at)).where(live, Article.published_at > now)
    )
    ordered = sorted(topics, key=lambda row: (row.key, row.id))
    by_id = {
        row.id: TopicSummary(row.id, row.key, row.name, row.description, counts.get(row.id, 0))
        for row in ordered
    }
    ids_by_key = {alias_key: topic_id for alias_key, topic_id, _ in aliases} | {
        row.key: row.id for row in ordered
    }
    candidates = {alias_key: name for alias_key, _, name in aliases} | {row.key: row.name for row in ordered}
    shown = tuple(row.id for row in ordered if row.description is not None or counts.get(row.id))
    return TopicDirectory(
        version=version,
        valid_from=valid_from,
        valid_until=valid_until,
        by_id=by_id,
        ids_by_key=ids_by_key,
        shown=shown,
        _position={row.id: rank for rank, row in enumerate(ordered)},
        _candidates=candidates,
    )


async def _live_counts(session: AsyncSession, now: datetime) -> dict[int, int]:
    """Published, live articles per topic: every published link, less the withdrawn ones.

    The first count reads only the (topic_id, published_at) index; the second starts from the few
    withdrawn articles. One join of all links to ``articles`` reads every article row and costs twice
    as much.
    """
    published = await session.execute(
        select(ArticleTopic.topic_id, func.count())
        .where(ArticleTopic.published_at <= now)
        .group_by(ArticleTopic.topic_id)
    )
    counts = dict(published.all())
    withdrawn = await session.execute(
        select(ArticleTopic.topic_id, func.count())
        .select_from(Article)
        .join(ArticleTopic, ArticleTopic.article_id == Article.id)
        .where(Article.withdrawn_at.is_not(None), ArticleTopic.published_at <= now)
        .group_by(ArticleTopic.topic_id)
    )
    for topic_id, gone in withdrawn.all():
        counts[topic_id] -= gone
    return {topic_id: count for topic_id, count in counts.items() if count > 0}


async def bump_topics_version(session: AsyncSession) -> None:
    """Tell every process that topics, aliases or articles changed: their directories are rebuilt."""
    await bump_version(session, VERSION_KEY)


class TopicDirectoryCache:
    """The current ``TopicDirectory`` of one process.

    The store's version is read at most every ``recheck_seconds``: the process that syncs the content calls
    ``expire`` after each sync, so only another process's writes (a ``newsbot import`` while the bot runs)
    wait that long to show. A scheduled article is counted the moment its time comes.
    """

    def __init__(
        self,
        db: Database,
        *,
        recheck_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self._watch = VersionWatch(recheck_seconds, monotonic)
        self._directory: TopicDirectory | None = None
        self._lock = asyncio.Lock()
        self.builds = 0

    def expire(self) -> None:
        """Read the version on the next use (the content was synced in this process)."""
        self._watch.expire()

    async def current(self, session: AsyncSession, now: datetime) -> TopicDirectory:
        """The directory for ``now``, rebuilt when the store's version moved or a scheduled article came
        due. The version is read through ``session``; a rebuild reads every article link, in a session of
        its own off the event loop's thread. Concurrent callers wait for one rebuild."""
        directory = self._directory
        if directory is not None and directory.holds_at(now) and not self._watch.due():
            return directory
        started = self._watch.started()
        version = await read_version(session, VERSION_KEY)
        async with self._lock:
            directory = self._directory
            if directory is None or directory.version != version or not directory.holds_at(now):
                async with self.db.read_bulk() as bulk:
                    directory = await load_directory(bulk, now)
                self._directory = directory
                self.builds += 1
            self._watch.read(started)
            return directory
