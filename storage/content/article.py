"""The validated article: what one content file holds once its front matter has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.content.videos import is_video, video_thumbnail

MIN_LOGO_SIDE = 200  # pixels: a source's logo smaller than this (or of unknown size) is no push picture


@dataclass(frozen=True, slots=True)
class Image:
    """One entry of ``images``; ``extra`` keeps fields this version does not know."""

    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Provider:
    """Where an article comes from (``provider: {name, domain, images}``); ``images`` is its logo."""

    name: str | None = None
    domain: str | None = None
    images: tuple[Image, ...] = ()


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
    """A validated article file. ``url_key`` (the normalized link) is its identity.

    ``web_url`` is the link readers open: ``webUrl``, or ``originalUrl`` for a video that has no ``webUrl``;
    ``player_url`` is the player ``featuredContent`` embeds (its URL only: the HTML is never kept).
    """

    title: str
    web_url: str
    url_key: str
    published_at: datetime  # timezone-aware, UTC
    topics: tuple[str, ...]  # trimmed, inner whitespace collapsed, first spelling of each key kept
    original_url: str | None = None
    player_url: str | None = None
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

    @property
    def is_video(self) -> bool:
        """``type: video``, or an article that embeds a player."""
        return is_video(self.type, self.player_url)

    @property
    def preview_images(self) -> tuple[Image, ...]:
        """The images to show: the file's own, else a YouTube video's thumbnail (derived from its URLs), else
        the source's logo when it is large enough to read (a 50×50 favicon is not: the push is then text)."""
        if self.images:
            return self.images
        thumbnail = video_thumbnail(self.player_url, self.web_url) if self.is_video else None
        if thumbnail:
            return (Image(thumbnail, extra={"derived": "video thumbnail"}),)
        logo = self.provider.images[0] if self.provider and self.provider.images else None
        if logo and min(logo.width or 0, logo.height or 0) >= MIN_LOGO_SIDE:
            return (Image(logo.url, logo.width, logo.height, extra={"derived": "provider logo"}),)
        return ()
