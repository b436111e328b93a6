"""The whole article format: a video's originalUrl and player, and the source's logo.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

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


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both databases (SQLite 3.35+): a batch copy of the table would drop the
    # full-text triggers on it.
    for name, _ in reversed(COLUMNS):
        op.execute(sa.text(f"ALTER TABLE articles DROP COLUMN {name}"))
