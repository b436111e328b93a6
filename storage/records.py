"""Plain, frozen results of the chat queries: what handlers and rendering see instead of ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

Destination = tuple[int, int]  # where a push goes: (chat id, forum thread id; 0 = none)


@dataclass(frozen=True, slots=True)
class TopicSummary:
    """A topic as readers see it, with its count of live, already-published articles."""

    id: int
    key: str
    name: str
    description: str | None
    article_count: int


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """One line of the topics keyboard: a topic and whether this destination follows it."""

    topic: TopicSummary
    subscribed: bool


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """What an article list shows of one article."""

    id: int
    title: str
    web_url: str
    excerpt: str | None
    provider_name: str | None
    published_at: datetime
    quality: int | None
    provider_domain: str | None = None


@dataclass(frozen=True, slots=True)
class Preferences:
    """A chat's settings; a chat that never changed them has these defaults."""

    # The least quality rank in a topic a push needs (storage/catalog/quality.py): all, top half, top quarter.
    MIN_QUALITY_CHOICES: ClassVar[tuple[int, ...]] = (0, 50, 75)

    min_quality: int = 0
    image_previews: bool = True
    silent: bool = False
    language: str | None = None  # the reader's choice of catalogue; None: Telegram's language_code


@dataclass(frozen=True, slots=True)
class BotStats:
    """The operator's overview (``/stats``)."""

    chats_active: int
    chats_blocked: int
    subscriptions_by_topic: tuple[tuple[str, int], ...]  # (topic name, subscriptions), most followed first
    articles_live: int
    deliveries_today: int
    failures_today: int
    failures_total: int
    last_failure: str | None


@dataclass(frozen=True, slots=True)
class TopicLookup:
    """Topic names resolved: the topics found, and each unknown name with up to three suggestions."""

    found: tuple[TopicSummary, ...]
    unknown: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class TopicRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class RelatedSummary:
    """A related link as a push shows it."""

    web_url: str
    title: str | None
    provider_name: str | None


@dataclass(frozen=True, slots=True)
class PushArticle:
    """Everything a push of one article shows, loaded once per article."""

    id: int
    title: str
    web_url: str
    excerpt: str | None
    provider_name: str | None
    published_at: datetime
    quality: int | None
    topics: tuple[TopicRef, ...]
    related: tuple[RelatedSummary, ...]
    image_url: str | None  # the first image, when it has not failed before
    image_file_id: str | None  # Telegram's id for that image once it was uploaded
    video: bool = False  # type: video, or a player embedded: the push says so and its button says "Watch"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One line of a digest message."""

    article_id: int
    title: str
    web_url: str
    provider_name: str | None
    published_at: datetime


# Inline mode (bot/chat/handlers/inline.py): an article as a shared card shows it.
@dataclass(frozen=True, slots=True)
class ArticleCard:
    """An article list's entry with what a shared card adds: its first image and its topics."""

    article: ArticleSummary
    image_url: str | None  # the first image that has not failed before
    topics: tuple[TopicRef, ...]  # in key order
