"""A channel's own voice: the style of its pushes and the footer under them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

channels.yaml may give a channel its language, footer, sound and push style. Language and sound are the
chat's preferences (``language``, ``silent``), as for any reader; the style and the footer are new, NULL
for every chat that is not such a channel, so existing rows need nothing. A downgrade drops them: the
channels speak as every chat does again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_preferences") as batch:
        batch.add_column(sa.Column("push_style", sa.String(8), nullable=True))
        batch.add_column(sa.Column("footer", sa.String(256), nullable=True))
        batch.add_column(sa.Column("footer_link", sa.String(2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_preferences") as batch:
        batch.drop_column("footer_link")
        batch.drop_column("footer")
        batch.drop_column("push_style")
