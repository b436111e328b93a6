"""The send budget shared by the running processes: one row each, renewed every second.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Every process that sends (pushes or replies) writes what it needs of Telegram's 30 sends a second and the
end of any 429 pause it drew; each reads the others' rows to set its own share (bot/push/budget.py). Rows
are transient: a downgrade drops the table and the processes fall back to nothing shared.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("process_id", sa.String(length=96), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pushing", sa.Boolean(), nullable=False),
        sa.Column("replies", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_send_budget")),
    )
    op.create_index(op.f("ix_send_budget_beat_at"), "send_budget", ["beat_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_send_budget_beat_at"), table_name="send_budget")
    op.drop_table("send_budget")
