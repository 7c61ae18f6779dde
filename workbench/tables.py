"""The workbench's tables: customer messages an agent flagged as misunderstood by the bot, and the ones a
designer has labelled (so they leave the inbox). In the conversation store's metadata and database."""

from __future__ import annotations

import sqlalchemy as sa

import handoff.tables  # noqa: F401  (agents, which both tables name)
from tandem.store import metadata

nlu_flags = sa.Table(
    "nlu_flags",
    metadata,
    sa.Column("message_id", sa.ForeignKey("messages.id"), primary_key=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

nlu_labels = sa.Table(
    "nlu_labels",
    metadata,
    sa.Column("message_id", sa.ForeignKey("messages.id"), primary_key=True),
    sa.Column("intent", sa.String(100), nullable=False),
    sa.Column("designer_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
