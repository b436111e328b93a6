"""The validated article: what one content file holds once its front matter has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Provider:
    """Where an article comes from (``provider: {name, domain}``)."""

    name: str | None = None
    domain: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """One entry of ``images``; ``extra`` keeps fields this version does not know."""

    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RelatedLink:
    """One entry of ``related``: another outlet's article on the same story."""

    web_url: str
    title: str | None = None
    excerpt: str | None = None
    published_at: datetime | None = None
    amp_web_url: str | None = None
    cdn_amp_web_url: str | None = None
    type: str | None = None
    provider: Provider | None = None
    quality: int | None = None
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """A validated article file. ``url_key`` (the normalized ``webUrl``) is its identity."""

    title: str
    web_url: str
    url_key: str
    published_at: datetime  # timezone-aware, UTC
    topics: tuple[str, ...]  # trimmed, inner whitespace collapsed, first spelling of each key kept
    excerpt: str | None = None
    category: str | None = None
    type: str | None = None
    amp_web_url: str | None = None
    cdn_amp_web_url: str | None = None
    quality: int | None = None
    heat: int | None = None
    published: bool | None = None
    provider: Provider | None = None
    images: tuple[Image, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    secured: str | None = None
    body: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, JSON-safe
