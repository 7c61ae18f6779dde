"""The workbench's tables: customer messages an agent flagged as misunderstood by the bot, the ones a
designer has labelled (so they leave the inbox), and the knowledge gaps a designer dealt with. In the
conversation store's metadata and database."""

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

# Knowledge gaps a designer dealt with (a question added to an article, or an article drafted): those
# customer questions leave the gaps.
knowledge_gaps_handled = sa.Table(
    "knowledge_gaps_handled",
    metadata,
    sa.Column("message_id", sa.ForeignKey("messages.id"), primary_key=True),
    sa.Column("article", sa.String(100), nullable=False),
    sa.Column("designer_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# MiniLM vectors of the customer messages the inbox and the knowledge gaps group, so a load after a restart
# need not embed them all again. A message's vector goes with it (ON DELETE CASCADE); `encoder` names the
# model that made it, and a vector from another is never used.
message_vectors = sa.Table(
    "message_vectors",
    metadata,
    sa.Column("message_id", sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("encoder", sa.String(100), nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)
