"""Article retention: a compact marker of every article ARTICLE_RETENTION_DAYS deletes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

``pruned_urls`` holds one 64-bit hash of the URL key of each deleted article (storage/catalog/article_retention.py),
so that a file bringing one back is stored again but never pushed again. On SQLite the hash is the table's
rowid: a few bytes a row and no index beside it.

Downgrading drops the markers, and the promise with them: a file of a deleted article that comes back
afterwards is new again, and pushed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# SQLite only aliases rowid for a column declared exactly INTEGER.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pruned_urls",
        sa.Column("url_hash", ID, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("url_hash", name=op.f("pk_pruned_urls")),
    )


def downgrade() -> None:
    op.drop_table("pruned_urls")
