"""Full-text search over messages, for the desk's History page (handoff/history.py), and the index that
walks conversations newest first.

SQLite: an FTS5 table over messages.text, kept in step by triggers (https://sqlite.org/fts5.html,
"External Content Tables"), filled from what is stored. PostgreSQL: a GIN index on the text's English
tsvector. Everything is created only where missing: releases before migrations made the SQLite part at
start.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 21:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages', "
    "content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",  # what was stored before the index
)
POSTGRES = (
    "CREATE INDEX IF NOT EXISTS ix_messages_text_search ON messages USING gin (to_tsvector('english', text))",
)


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_conversations_created ON conversations (created_at)")
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_messages_text_search")
    op.execute("DROP INDEX IF EXISTS ix_conversations_created")
