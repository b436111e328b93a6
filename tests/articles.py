"""Article files for tests: well-formed front matter built from a few keyword arguments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import yaml

DEFAULT_PUBLISHED = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def article_text(
    *,
    title: str = "An article",
    url: str = "https://example.com/article",
    topics: Sequence[str] = ("AI",),
    published: datetime = DEFAULT_PUBLISHED,
    excerpt: str | None = "What happened, in one sentence.",
    images: int = 0,
    related: int = 0,
    quality: int | None = None,
    provider: str | None = "Example News",
    body: str = "",
) -> str:
    """The text of an article file, as an operator would write it."""
    front: dict[str, object] = {
        "title": title,
        "webUrl": url,
        "publishedDateTime": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "topics": list(topics),
    }
    if excerpt is not None:
        front["excerpt"] = excerpt
    if quality is not None:
        front["quality"] = quality
    if provider is not None:
        front["provider"] = {"name": provider, "domain": "example.com"}
    if images:
        front["images"] = [
            {"url": f"https://images.example.com/{n}.jpg", "width": 1200, "height": 800, "isCached": True}
            for n in range(images)
        ]
    if related:
        front["related"] = [
            {
                "title": f"Related {n}",
                "webUrl": f"https://example.org/related/{n}",
                "provider": {"name": "Other"},
            }
            for n in range(related)
        ]
    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body
