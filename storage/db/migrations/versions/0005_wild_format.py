"""The whole article format: a video's originalUrl and player, the source's logo, quality on any scale.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Quality becomes a rank in each topic (``article_topics.quality_rank``, see storage/catalog/quality.py),
computed here for the stored articles with the same rule; readers' choices move to the nearest share:
"≥ 50" is the top half, "≥ 70" the top quarter.

Files stored before this revision were parsed without these fields: their modification times and content
hashes are cleared so that the next sync reads and parses every file once more and fills them in (an unchanged
title and excerpt open no correction, and no article becomes new).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = (
    ("original_url", sa.Text()),
    ("player_url", sa.Text()),
    ("provider_logo_url", sa.Text()),
    ("provider_logo_width", sa.Integer()),
    ("provider_logo_height", sa.Integer()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("articles", sa.Column(name, kind, nullable=True))
    op.execute(sa.text("UPDATE content_files SET content_hash = '', mtime_ns = 0"))
    op.add_column("article_topics", sa.Column("quality_rank", sa.Integer(), nullable=True))
    # Rank = 100 × (rated live articles of the topic with a quality at most this one's) ÷ (all of them),
    # rounded down: a window's default frame (ORDER BY, RANGE … CURRENT ROW) counts the peers too.
    op.execute(
        sa.text(
            "WITH ranked AS ("
            " SELECT t.article_id, t.topic_id,"
            " 100 * COUNT(*) OVER (PARTITION BY t.topic_id ORDER BY a.quality)"
            " / COUNT(*) OVER (PARTITION BY t.topic_id) AS quality_rank"
            " FROM article_topics t JOIN articles a ON a.id = t.article_id"
            " WHERE a.quality IS NOT NULL AND a.withdrawn_at IS NULL)"
            " UPDATE article_topics SET quality_rank = ranked.quality_rank FROM ranked"
            " WHERE ranked.article_id = article_topics.article_id AND ranked.topic_id = article_topics.topic_id"
        )
    )
    op.execute(sa.text("UPDATE chat_preferences SET min_quality = 75 WHERE min_quality > 50"))
    op.execute(
        sa.text("UPDATE chat_preferences SET min_quality = 50 WHERE min_quality > 0 AND min_quality < 50")
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE chat_preferences SET min_quality = 70 WHERE min_quality = 75"))
    op.execute(sa.text("ALTER TABLE article_topics DROP COLUMN quality_rank"))
    # ALTER TABLE … DROP COLUMN on both databases (SQLite 3.35+): a batch copy of the table would drop the
    # full-text triggers on it.
    for name, _ in reversed(COLUMNS):
        op.execute(sa.text(f"ALTER TABLE articles DROP COLUMN {name}"))
