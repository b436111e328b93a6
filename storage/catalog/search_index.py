"""Upkeep of the full-text index /search reads (revision 0006's ``articles_fts`` on SQLite).

SQLite's FTS5 adds a segment to its index for every transaction that writes articles and merges them a
little at a time. After a sync that rewrote thousands of articles (the first import, a migration that
re-reads every file, a site moved in at once) the segments pile up and every search walks them all: at
100,000 articles a /search took 6.1 ms after such a re-import and 4.0 ms once merged (docs/benchmarks.md).
Merging them all costs a quarter of a second there, so it is done once after a large sync. PostgreSQL's GIN
index keeps its own pending list and needs nothing of the kind.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Articles written by one sync from which the index is merged afterwards.
OPTIMIZE_AFTER = 2_000


def worth_optimizing(written: int) -> bool:
    return written >= OPTIMIZE_AFTER


async def optimize_search_index(session: AsyncSession) -> None:
    """Merge the SQLite full-text index into one segment (a no-op on PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("INSERT INTO articles_fts(articles_fts) VALUES('optimize')"))
