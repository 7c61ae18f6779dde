"""Agents a supervisor has disabled (the admin page, handoff/web_admin.py): they cannot sign in, and
routing gives them nothing. Kept rather than deleted: their contacts and tickets still name them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 21:32:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agents", sa.Column("disabled_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("disabled_at")
