"""The designer's NLU inbox (workbench/): messages agents flagged, and messages designers labelled.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_flags",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_table(
        "nlu_labels",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=False),
        sa.Column("designer_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["designer_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("nlu_labels")
    op.drop_table("nlu_flags")
