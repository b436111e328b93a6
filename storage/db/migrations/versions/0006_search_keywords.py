"""Search the words of an article's URL slug, file name, source and topics too, below title and excerpt.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

``articles.search_keywords`` holds those words (storage/catalog/search_words.py); the search index takes it as
a third part: SQLite's FTS5 table is made again with a ``search_keywords`` column (and its triggers with it), then
rebuilt from the articles; PostgreSQL gains a second GIN index, of the longer document.

The words need each article's file name, which only a sync knows: the files' modification times and content
hashes are cleared so that the next sync reads every file once more and fills them in (an unchanged title and
excerpt open no correction, and no article becomes new). Until then stored articles are found as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
SQLITE_DROP = (
    "DROP TRIGGER articles_fts_update",
    "DROP TRIGGER articles_fts_delete",
    "DROP TRIGGER articles_fts_insert",
    "DROP TABLE articles_fts",
)


def sqlite_search(columns: tuple[str, ...], sources: tuple[str, ...]) -> tuple[str, ...]:
    """The FTS5 table over ``columns`` of ``articles`` and the triggers that keep it in step."""
    names = ", ".join(columns)
    new = ", ".join(f"coalesce(new.{source}, '')" for source in sources)
    old = ", ".join(f"coalesce(old.{source}, '')" for source in sources)
    watched = ", ".join(sources)
    return (
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({names}, content='articles', content_rowid='id', {TOKENIZE})",
        f"""CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, {names}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER articles_fts_update AFTER UPDATE OF {watched} ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO articles_fts(rowid, {names}) VALUES (new.id, {new});
        END""",
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    )


# An external-content FTS5 table reads the content table's columns by its own column names (``rebuild``),
# so each is named as the column of ``articles`` it indexes.
SQLITE_WITH_KEYWORDS = sqlite_search(
    ("title", "excerpt", "search_keywords"), ("title", "excerpt", "search_keywords")
)
SQLITE_WITHOUT_KEYWORDS = sqlite_search(("title", "excerpt"), ("title", "excerpt"))
# PostgreSQL keeps 0001's index of titles and excerpts (the first, cheap pass of a search) and gains one of
# the whole document with the keywords (the second): a weighted match on the first would have to rebuild
# every matching article's document.
POSTGRESQL_ALL = (
    "CREATE INDEX ix_articles_search_all ON articles USING gin (to_tsvector('simple', "
    "title || ' ' || coalesce(excerpt, '') || ' ' || coalesce(search_keywords, '')))"
)


def upgrade() -> None:
    op.add_column("articles", sa.Column("search_keywords", sa.Text(), nullable=True))
    _search(SQLITE_WITH_KEYWORDS, upgrade=True)
    op.execute(sa.text("UPDATE content_files SET content_hash = '', mtime_ns = 0"))


def downgrade() -> None:
    _search(SQLITE_WITHOUT_KEYWORDS, upgrade=False)
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch copy: that would drop the full-text triggers.
    op.execute(sa.text("ALTER TABLE articles DROP COLUMN search_keywords"))


def _search(sqlite: tuple[str, ...], *, upgrade: bool) -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for statement in (*SQLITE_DROP, *sqlite):
            op.execute(sa.text(statement))
    elif dialect == "postgresql":
        op.execute(sa.text(POSTGRESQL_ALL if upgrade else "DROP INDEX ix_articles_search_all"))
