"""Tables of the human side: agents and their sessions, queued contacts, offers, and tickets.

They share the conversation store's metadata (and database), so a contact and its conversation are
written in one transaction and a restart finds the queue exactly as it was.
"""

from __future__ import annotations

import sqlalchemy as sa

from tandem.store import metadata

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("chat_capacity", sa.Integer, nullable=False),
    sa.Column("voice_capacity", sa.Integer, nullable=False),
    sa.Column("sip_uri", sa.String(300)),
    sa.Column("state", sa.String(20), nullable=False),
    # Epoch seconds since the agent last became free: the longest idle gets the next offer.
    sa.Column("idle_since", sa.Float, nullable=False),
    sa.Column("state_since", sa.Float, nullable=False),
    # Set by a supervisor (handoff/web_admin.py): no sign-in, no work; the row stays for the history.
    sa.Column("disabled_at", sa.Float),
)

sessions = sa.Table(
    "agent_sessions",
    metadata,
    # Only a hash of the cookie is kept: a copy of the database does not sign anyone in.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("expires_at", sa.Float, nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("queue", sa.String(64), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("enqueued_at", sa.Float, nullable=False),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), index=True),
    sa.Column("answered_at", sa.Float),
    sa.Column("ended_at", sa.Float),
    sa.Column("closed_at", sa.Float),
    sa.Column("disposition", sa.String(64)),
    sa.Column("notes", sa.Text),
    sa.Column("declined_by", sa.JSON, nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
    # When the customer was last told their position; and whether the over-long wait was offered.
    sa.Column("announced_at", sa.Float),
    sa.Column("alternatives_offered", sa.Boolean, nullable=False, server_default=sa.false()),
    # Set while the assigned agent's desk is disconnected: after the grace period it is requeued.
    sa.Column("agent_lost_at", sa.Float),
)

offers = sa.Table(
    "offers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False, index=True),
    sa.Column("closed_at", sa.Float),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id")),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("queue", sa.String(64), nullable=False, index=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=False),
    # A callback's number: personal data, shown to the team on the ticket and never logged.
    sa.Column("callback_number", sa.String(40)),
    sa.Column("assignee_id", sa.ForeignKey("agents.id"), index=True),
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("first_response_due", sa.Float, nullable=False),
    sa.Column("resolution_due", sa.Float, nullable=False),
    sa.Column("first_response_at", sa.Float),
    sa.Column("resolved_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
)

ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    # created, reply (to the customer), customer_reply, note (agents only), status, assigned
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("agent_id", sa.ForeignKey("agents.id")),
    sa.Column("text", sa.Text, nullable=False),
)

callback_attempts = sa.Table(
    "callback_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    # pending (due_at) -> dialling (a voice worker claimed it) -> done (outcome)
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("claimed_at", sa.Float),
    sa.Column("finished_at", sa.Float),
    sa.Column("outcome", sa.String(30)),
    # The phone conversation of an answered callback: recorded and transcribed like an inbound call.
    sa.Column("conversation_id", sa.String(32)),
)

# A customer's callback request offered on a desk, as a waiting contact is (handoff/callback_offers.py).
callback_offers = sa.Table(
    "callback_offers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False, index=True),
    sa.Column("closed_at", sa.Float),
)

# Agents' private notes on a contact: never part of the conversation, so never shown to the customer.
contact_notes = sa.Table(
    "contact_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

# A supervisor's quality review of one contact (handoff/quality.py): the score per criterion of
# handoff.quality_criteria, as they stood then, and the share of all points.
quality_reviews = sa.Table(
    "quality_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("reviewer_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("score_pct", sa.Float, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
)

# A colleague asked to consult on a live contact (handoff/monitoring.py): they may follow it read-only and
# write private notes on it while it stays with its agent.
contact_consults = sa.Table(
    "contact_consults",
    metadata,
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), primary_key=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), primary_key=True, index=True),
    sa.Column("asked_by", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# A queue's settings as a supervisor saved them on the Queues page (handoff/queue_book.py): over
# config.yml's queue of that name, or a queue added there.
queue_settings = sa.Table(
    "queue_settings",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("updated_by", sa.ForeignKey("agents.id"), nullable=False),
)
