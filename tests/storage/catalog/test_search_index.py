"""The full-text index is merged after a large sync, and searches find the same articles afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.catalog import search_index
from storage.catalog.search_index import OPTIMIZE_AFTER, optimize_search_index, worth_optimizing
from storage.db.database import Database
from tests.articles import article_text
from tests.storage.catalog.test_search_words import sync_files, titles


def test_only_a_large_sync_is_worth_a_merge() -> None:
    assert not worth_optimizing(OPTIMIZE_AFTER - 1)
    assert worth_optimizing(OPTIMIZE_AFTER)


async def segments(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(text("SELECT count(*) FROM articles_fts_data")) or 0)


@pytest.mark.sqlite_only
async def test_merging_the_index_leaves_fewer_segments_and_the_same_answers(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    for batch in range(30):  # thirty syncs: thirty small segments
        await sync_files(
            db,
            folder,
            {
                f"{batch}.md": article_text(
                    title=f"Quantum step {batch}", url=f"https://example.com/q/{batch}"
                )
            },
        )
    before = await segments(db)
    found = await titles(db, "quantum")
    async with db.write_bulk() as session:
        await optimize_search_index(session)
    assert await segments(db) < before
    assert await titles(db, "quantum") == found and len(found) == 10


async def test_a_large_sync_merges_the_index(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged: list[int] = []

    async def spy(session: object) -> None:
        merged.append(1)

    monkeypatch.setattr("storage.catalog.sync.optimize_search_index", spy)
    monkeypatch.setattr(search_index, "OPTIMIZE_AFTER", 3)
    folder = tmp_path / "content"
    await sync_files(db, folder, {"a.md": article_text(title="One", url="https://example.com/1")})
    assert merged == []
    await sync_files(
        db,
        folder,
        {f"{n}.md": article_text(title=f"N {n}", url=f"https://example.com/n/{n}") for n in range(3)},
    )
    assert merged == [1]
