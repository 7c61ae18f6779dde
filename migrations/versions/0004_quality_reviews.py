"""Supervisors' quality reviews of contacts (handoff/quality.py), scored by handoff.quality_criteria.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 21:44:44.140449
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score_pct", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["agents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quality_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_reviews_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_reviews_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_reviews_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_reviews_created_at"))
        batch_op.drop_index(batch_op.f("ix_quality_reviews_contact_id"))
        batch_op.drop_index(batch_op.f("ix_quality_reviews_agent_id"))

    op.drop_table("quality_reviews")
