"""Baseline: the schema as create_all made it before migrations.

Tables and indexes are created only where missing, so a database made by an earlier release (create_all
at each start, perhaps before some tables existed) is brought to this revision without losing anything.

Revision ID: 0001
Revises:
Create Date: 2026-12-05 21:02:28.550580
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("chat_capacity", sa.Integer(), nullable=False),
        sa.Column("voice_capacity", sa.Integer(), nullable=False),
        sa.Column("sip_uri", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("idle_since", sa.Float(), nullable=False),
        sa.Column("state_since", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
        if_not_exists=True,
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("tier", sa.String(length=20), server_default="standard", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"], unique=False, if_not_exists=True
    )

    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("awaiting_slot", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_conversations_customer_id"),
        "conversations",
        ["customer_id"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_identities_customer_id"), "identities", ["customer_id"], unique=False, if_not_exists=True
    )

    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("enqueued_at", sa.Float(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.Float(), nullable=True),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("disposition", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("declined_by", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("announced_at", sa.Float(), nullable=True),
        sa.Column("alternatives_offered", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("agent_lost_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(op.f("ix_contacts_agent_id"), "contacts", ["agent_id"], unique=False, if_not_exists=True)
    op.create_index(
        op.f("ix_contacts_conversation_id"), "contacts", ["conversation_id"], unique=False, if_not_exists=True
    )
    op.create_index(op.f("ix_contacts_status"), "contacts", ["status"], unique=False, if_not_exists=True)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("bot_delivery", sa.String(length=20), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_messages_bot_delivery"), "messages", ["bot_delivery"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_messages_conversation"),
        "messages",
        ["conversation_id", "id"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "ratings",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("conversation_id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_ratings_created_at"), "ratings", ["created_at"], unique=False, if_not_exists=True
    )

    op.create_table(
        "contact_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_contact_notes_contact_id"), "contact_notes", ["contact_id"], unique=False, if_not_exists=True
    )

    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(op.f("ix_offers_agent_id"), "offers", ["agent_id"], unique=False, if_not_exists=True)
    op.create_index(op.f("ix_offers_contact_id"), "offers", ["contact_id"], unique=False, if_not_exists=True)
    op.create_index(op.f("ix_offers_outcome"), "offers", ["outcome"], unique=False, if_not_exists=True)

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("callback_number", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.String(length=32), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("first_response_due", sa.Float(), nullable=False),
        sa.Column("resolution_due", sa.Float(), nullable=False),
        sa.Column("first_response_at", sa.Float(), nullable=True),
        sa.Column("resolved_at", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_tickets_assignee_id"), "tickets", ["assignee_id"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_tickets_conversation_id"), "tickets", ["conversation_id"], unique=False, if_not_exists=True
    )
    op.create_index(op.f("ix_tickets_queue"), "tickets", ["queue"], unique=False, if_not_exists=True)
    op.create_index(op.f("ix_tickets_status"), "tickets", ["status"], unique=False, if_not_exists=True)

    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("claimed_at", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_callback_attempts_status"), "callback_attempts", ["status"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_callback_attempts_ticket_id"),
        "callback_attempts",
        ["ticket_id"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "callback_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_callback_offers_agent_id"), "callback_offers", ["agent_id"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_callback_offers_outcome"), "callback_offers", ["outcome"], unique=False, if_not_exists=True
    )
    op.create_index(
        op.f("ix_callback_offers_ticket_id"),
        "callback_offers",
        ["ticket_id"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_ticket_events_ticket_id"), "ticket_events", ["ticket_id"], unique=False, if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_events_ticket_id"), table_name="ticket_events")

    op.drop_table("ticket_events")
    op.drop_index(op.f("ix_callback_offers_ticket_id"), table_name="callback_offers")
    op.drop_index(op.f("ix_callback_offers_outcome"), table_name="callback_offers")
    op.drop_index(op.f("ix_callback_offers_agent_id"), table_name="callback_offers")

    op.drop_table("callback_offers")
    op.drop_index(op.f("ix_callback_attempts_ticket_id"), table_name="callback_attempts")
    op.drop_index(op.f("ix_callback_attempts_status"), table_name="callback_attempts")

    op.drop_table("callback_attempts")
    op.drop_index(op.f("ix_tickets_status"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_queue"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_conversation_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_assignee_id"), table_name="tickets")

    op.drop_table("tickets")
    op.drop_index(op.f("ix_offers_outcome"), table_name="offers")
    op.drop_index(op.f("ix_offers_contact_id"), table_name="offers")
    op.drop_index(op.f("ix_offers_agent_id"), table_name="offers")

    op.drop_table("offers")
    op.drop_index(op.f("ix_contact_notes_contact_id"), table_name="contact_notes")

    op.drop_table("contact_notes")
    op.drop_index(op.f("ix_ratings_created_at"), table_name="ratings")

    op.drop_table("ratings")
    op.drop_index(op.f("ix_messages_conversation"), table_name="messages")
    op.drop_index(op.f("ix_messages_bot_delivery"), table_name="messages")

    op.drop_table("messages")
    op.drop_index(op.f("ix_contacts_status"), table_name="contacts")
    op.drop_index(op.f("ix_contacts_conversation_id"), table_name="contacts")
    op.drop_index(op.f("ix_contacts_agent_id"), table_name="contacts")

    op.drop_table("contacts")
    op.drop_index(op.f("ix_identities_customer_id"), table_name="identities")

    op.drop_table("identities")
    op.drop_index(op.f("ix_conversations_customer_id"), table_name="conversations")

    op.drop_table("conversations")
    op.drop_index(op.f("ix_agent_sessions_agent_id"), table_name="agent_sessions")

    op.drop_table("agent_sessions")
    op.drop_table("customers")
    op.drop_table("agents")
