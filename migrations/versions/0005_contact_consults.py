"""Colleagues asked to consult on a live contact (handoff/monitoring.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 23:58:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_consults",
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["asked_by"], ["agents.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("contact_id", "agent_id"),
    )
    with op.batch_alter_table("contact_consults", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_consults_agent_id"), ["agent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_consults", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_consults_agent_id"))
    op.drop_table("contact_consults")
