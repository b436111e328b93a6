"""The database schema: one place for every table, ready for Alembic's autogenerate.

Datetimes are stored as naive UTC and read back as timezone-aware UTC (``UTCDateTime``), so SQLite and
PostgreSQL compare them the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only aliases rowid (and so autoincrements) for a column declared exactly INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


CURSOR_START = -(2**63)


def table(model: type[Base]) -> Table:
    """The Core table behind a model: bulk paths skip the ORM's per-object bookkeeping."""
    return cast(Table, model.__table__)


class StoreState(Base):
    """Key/value facts about the store itself, such as when its baseline sync happened."""

    __tablename__ = "store_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    url_key: Mapped[str] = mapped_column(Text, unique=True)
    web_url: Mapped[str] = mapped_column(Text)  # the link readers open: webUrl, else a video's originalUrl
    original_url: Mapped[str | None] = mapped_column(Text)
    player_url: Mapped[str | None] = mapped_column(Text)  # the player featuredContent embeds (URL only)
    title: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Text)
    amp_web_url: Mapped[str | None] = mapped_column(Text)
    cdn_amp_web_url: Mapped[str | None] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)
    heat: Mapped[int | None] = mapped_column(Integer)
    published_flag: Mapped[bool | None] = mapped_column(Boolean)
    provider_name: Mapped[str | None] = mapped_column(Text)
    provider_domain: Mapped[str | None] = mapped_column(Text)
    # The source's logo (provider.images[0]), with its size when the file gives it.
    provider_logo_url: Mapped[str | None] = mapped_column(Text)
    provider_logo_width: Mapped[int | None] = mapped_column(Integer)
    provider_logo_height: Mapped[int | None] = mapped_column(Integer)
    # Words of the slug, file name, source and topics, searched below title and excerpt (catalog.search_words).
    search_keywords: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    secured: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set while no file holds the article; it then leaves listings and pending pushes.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_articles_live_published", "withdrawn_at", "published_at"),)


class Topic(Base):
    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class TopicAlias(Base):
    __tablename__ = "topic_aliases"
    alias_key: Mapped[str] = mapped_column(Text, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)


class ArticleTopic(Base):
    __tablename__ = "article_topics"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    # The spelling this article used; the topic's display name comes from the earliest article.
    label: Mapped[str] = mapped_column(Text)
    # Copied from the article so "newest of topic X" is one index range scan.
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The article's quality rank in this topic, 0–100 (storage/catalog/quality.py); NULL: it has no quality.
    quality_rank: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_article_topics_topic_published", "topic_id", "published_at"),)


class ArticleImage(Base):
    __tablename__ = "article_images"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    is_cached: Mapped[bool | None] = mapped_column(Boolean)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Telegram's id for the uploaded image: every push after the first reuses it (one fetch per image).
    telegram_file_id: Mapped[str | None] = mapped_column(Text)
    # Why Telegram refused the image; later pushes go straight to the text fallback.
    failed_reason: Mapped[str | None] = mapped_column(Text)


class RelatedLinkRow(Base):
    __tablename__ = "related_links"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    web_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amp_web_url: Mapped[str | None] = mapped_column(Text)
    cdn_amp_web_url: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Text)
    provider_name: Mapped[str | None] = mapped_column(Text)
    provider_domain: Mapped[str | None] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)
    image_url: Mapped[str | None] = mapped_column(Text)


class ContentFile(Base):
    """One file under the content folder, as last seen; the key to incremental syncs."""

    __tablename__ = "content_files"
    path: Mapped[str] = mapped_column(Text, primary_key=True)  # POSIX, relative to the content folder
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FanoutJob(Base):
    """Marks an article as new: written in the same transaction that first stores it."""

    __tablename__ = "fanout_jobs"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Highest chat id already expanded into deliveries; expansion resumes after it. Group and channel
    # ids are negative, so it starts below every id.
    cursor: Mapped[int] = mapped_column(BigInteger, default=CURSOR_START)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Chat(Base):
    """A reader's chat. Only the id, kind and language are kept: nothing more personal."""

    __tablename__ = "chats"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16), default="private")
    language_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | blocked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Channels named in content/channels.yaml: their subscriptions follow that file, not commands.
    username: Mapped[str | None] = mapped_column(String(64))
    managed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The sender serving this chat's pushes, until when (storage/delivery/claims.py); NULL: nobody.
    lease_owner: Mapped[str | None] = mapped_column(String(96), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Sender(Base):
    """A running process that sends pushes; its heartbeat keeps its leases alive."""

    __tablename__ = "senders"
    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SendBudgetShare(Base):
    """A running process's part of Telegram's send budget: what it needs, and a 429 it drew."""

    __tablename__ = "send_budget"
    process_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    pushing: Mapped[bool] = mapped_column(Boolean)
    replies: Mapped[float] = mapped_column(Float)  # sends a second that are not pushes, lately
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatPreferences(Base):
    """Per-chat settings, one typed column each so fan-out can filter on them in SQL."""

    __tablename__ = "chat_preferences"
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    min_quality: Mapped[int] = mapped_column(Integer, default=0)
    image_previews: Mapped[bool] = mapped_column(Boolean, default=True)
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reader's choice of language; NULL: from Telegram's language_code.
    language: Mapped[str | None] = mapped_column(String(8))
    # IANA name ("Europe/Berlin") or a fixed offset ("+02:00"); NULL: UTC.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Quiet hours as minutes after local midnight (start may be after end: the window crosses midnight).
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    quiet_mode: Mapped[str] = mapped_column(
        String(8), default="digest", server_default="digest"
    )  # digest|silent
    # Daily digest instead of instant pushes, at this many minutes after local midnight; NULL: instant.
    digest_at: Mapped[int | None] = mapped_column(Integer)
    # A channel's own voice from channels.yaml (its language and sound are the columns above); NULL for
    # every other chat. push_style: photo | preview | text; footer: plain text, escaped when rendered.
    push_style: Mapped[str | None] = mapped_column(String(8))
    footer: Mapped[str | None] = mapped_column(String(256))
    footer_link: Mapped[str | None] = mapped_column(String(2048))


class ChatFilter(Base):
    """A keyword filter: ``exclude`` holds back articles that mention the term; ``include`` lets through
    only articles that mention one of the include terms. Whole words, case-insensitive, title and excerpt."""

    __tablename__ = "chat_filters"
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=0)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # include | exclude
    term: Mapped[str] = mapped_column(String(100), primary_key=True)  # normalized: casefolded, spaces single
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Subscription(Base):
    """A destination (chat, forum thread; 0 = none) following a topic."""

    __tablename__ = "subscriptions"
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=0)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_subscriptions_topic_chat", "topic_id", "chat_id"),)


class Correction(Base):
    """An article edited or deleted within 48 hours of its push: its sent messages are edited or deleted.

    Worked through in delivery-id order (``cursor``), paced like pushes; ``finished_at`` when done.
    """

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(8))  # edit | delete
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Delivery(Base):
    """One push of one article to one destination: the idempotent delivery ledger."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|sent|failed|cancelled|skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    via_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    # push: on its own (a burst may still become a digest); digest: held for a digest (daily digest,
    # quiet hours) and sent as part of one when due.
    mode: Mapped[str] = mapped_column(String(8), default="push", server_default="push")
    # What the sent message is, so a correction knows how to edit it: photo | text | digest.
    message_kind: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        UniqueConstraint("article_id", "chat_id", "thread_id", name="uq_deliveries_destination"),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_status_sent", "status", "sent_at"),
        Index("ix_deliveries_chat_status", "chat_id", "thread_id", "status"),
    )


class PrunedUrl(Base):
    """An article deleted after ``ARTICLE_RETENTION_DAYS`` (storage/catalog/article_retention.py), remembered by
    a hash of its URL key: a file that brings it back stores it again, but never as new, so it is never pushed
    again. 64 bits of SHA-256: with a million markers, a new article is taken for a pruned one with odds of
    about 1 in 2·10^13."""

    __tablename__ = "pruned_urls"
    url_hash: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)


class DeliveryTally(Base):
    """Ledger rows pruned after ``RETENTION_DAYS`` (storage/delivery/retention.py), counted per day and status, so
    the totals of ``/stats`` still include them. ``day``: the UTC day a row was sent (``sent_at``), or for a
    row never sent, the day of its last attempt (``due_at``)."""

    __tablename__ = "delivery_tallies"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)  # sent|failed|cancelled|skipped
    count: Mapped[int] = mapped_column(BigInteger)
