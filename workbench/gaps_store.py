"""The knowledge gaps' read from the store: customer questions the bot searched the help centre for,
with what it found (tandem/knowledge_outcome.py, kept in the message's data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.knowledge_outcome import KNOWLEDGE_KEY
from tandem.store import Sender, messages
from workbench.gaps import Gap
from workbench.inbox import Candidate
from workbench.inbox_store import CANDIDATE_COLUMNS

LIMIT = 2000  # the newest; enough to see the topics, little enough to embed on a page load


async def searched_questions(engine: AsyncEngine, since: datetime) -> list[Gap]:
    """Customer messages since then that the bot searched the help centre for, newest first."""
    # A coarse filter both SQLite and PostgreSQL read alike; the data itself is checked below.
    recorded = sa.cast(messages.c.data, sa.Text).like(f'%"{KNOWLEDGE_KEY}"%')
    query = (
        sa.select(*CANDIDATE_COLUMNS)
        .where(messages.c.sender == Sender.CUSTOMER, messages.c.created_at >= since, recorded)
        .order_by(messages.c.id.desc())
        .limit(LIMIT)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    found = [(r, (r.data or {}).get(KNOWLEDGE_KEY)) for r in rows]
    return [_gap(r, knowledge) for r, knowledge in found if isinstance(knowledge, dict)]


def _gap(r: Any, knowledge: dict[str, Any]) -> Gap:
    message = Candidate(
        r.id, r.conversation_id, r.text, r.intent, r.confidence, masked=bool(r.data.get("masked"))
    )
    return Gap(message, knowledge.get("answered") is True, knowledge.get("article"), knowledge.get("score"))
