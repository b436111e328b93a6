"""The sync stores the whole format: a video's link and player, the source's logo; unknown fields are counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from storage.catalog.sync import ContentSync
from storage.content.excludes import Excludes
from storage.db.database import Database
from storage.db.models import Article, ContentFile

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
VIDEO = """---
title: Build a canvas app in ten minutes
type: video
originalUrl: https://www.youtube.com/watch?v=abc123
featuredContent: '<iframe src="https://www.youtube.com/embed/abc123"></iframe>'
publishedDateTime: 2024-05-01T08:00:00Z
topics: [Power Apps, Canvas apps]
provider:
  name: Example Channel
  domain: youtube.com
  images:
    - url: https://yt3.example.com/logo.jpg
      width: 88
      height: 88
layout: post
---
"""


def sync_of(db: Database, folder: Path) -> ContentSync:
    return ContentSync(db, folder, display_prefix="content", clock=lambda: NOW)


async def test_a_video_is_stored_with_its_link_player_and_logo(db: Database, tmp_path: Path) -> None:
    (tmp_path / "_news").mkdir()
    (tmp_path / "_news" / "2024-05-01-canvas.md").write_text(VIDEO, encoding="utf-8")
    report = await sync_of(db, tmp_path).sync()
    assert (report.added, report.errors, report.warnings) == (1, 0, 0)
    assert dict(report.unknown_fields) == {"layout": 1}
    async with db.read() as session:
        row = (await session.execute(select(Article))).scalar_one()
    assert (row.web_url, row.original_url, row.player_url) == (
        "https://www.youtube.com/watch?v=abc123",
        "https://www.youtube.com/watch?v=abc123",
        "https://www.youtube.com/embed/abc123",
    )
    assert (row.provider_logo_url, row.provider_logo_width, row.provider_logo_height) == (
        "https://yt3.example.com/logo.jpg",
        88,
        88,
    )


async def test_a_file_whose_hash_was_cleared_is_read_again_and_filled_in(
    db: Database, tmp_path: Path
) -> None:
    """What revision 0005 does to every file (time and hash cleared) makes the next sync parse it once more."""
    (tmp_path / "a.md").write_text(VIDEO, encoding="utf-8")
    await sync_of(db, tmp_path).sync()
    async with db.write() as session:
        await session.execute(update(Article).values(player_url=None, provider_logo_url=None))
        await session.execute(update(ContentFile).values(content_hash="", mtime_ns=0))
    report = await sync_of(db, tmp_path).sync()
    assert (report.added, report.updated, report.errors) == (0, 1, 0)
    async with db.read() as session:
        row = (await session.execute(select(Article))).scalar_one()
    assert (row.player_url, row.provider_logo_url) == (
        "https://www.youtube.com/embed/abc123",
        "https://yt3.example.com/logo.jpg",
    )


async def test_excluded_folders_are_not_imported(db: Database, tmp_path: Path) -> None:
    for rel in ("_news/2024-05-01-canvas.md", "_drafts/2024-05-02-canvas.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(VIDEO.replace("abc123", rel[-12:-3]), encoding="utf-8")
    sync = ContentSync(
        db, tmp_path, display_prefix="content", clock=lambda: NOW, excludes=Excludes.parse("_drafts")
    )
    report = await sync.sync()
    assert (report.added, report.errors) == (1, 0)
    async with db.read() as session:
        paths = list(await session.scalars(select(ContentFile.path)))
    assert paths == ["_news/2024-05-01-canvas.md"]
