"""The knowledge gaps in the store: customer questions the bot searched the help centre for, with what it
found (tandem/knowledge_outcome.py, kept in the message's data), and the ones a designer dealt with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.knowledge_outcome import KNOWLEDGE_KEY
from tandem.store import Sender, messages
from workbench.gaps import Gap
from workbench.inbox_store import CANDIDATE_COLUMNS, candidate, record_new
from workbench.tables import knowledge_gaps_handled

LIMIT = 1000  # the newest, as in the NLU inbox: enough to see the topics, quick to embed on a page load


async def searched_questions(engine: AsyncEngine, since: datetime) -> list[Gap]:
    """Customer messages since then that the bot searched the help centre for and that no designer has
    dealt with yet, newest first."""
    query = (
        _searched()
        .where(
            messages.c.created_at >= since,
            messages.c.id.not_in(sa.select(knowledge_gaps_handled.c.message_id)),
        )
        .order_by(messages.c.id.desc())
        .limit(LIMIT)
    )
    return await _gaps(engine, query)


async def searched_messages(engine: AsyncEngine, message_ids: Sequence[int]) -> list[Gap]:
    """The searched customer questions with these ids (any other id is left out)."""
    return await _gaps(engine, _searched().where(messages.c.id.in_(message_ids)))


async def handle(
    engine: AsyncEngine, message_ids: Sequence[int], article: str, designer_id: str, now: float
) -> None:
    """These questions were dealt with (their article named): they leave the gaps."""
    values = {"article": article, "designer_id": designer_id, "created_at": now}
    await record_new(engine, knowledge_gaps_handled, message_ids, values)


def _searched() -> sa.Select[Any]:
    # A coarse filter both SQLite and PostgreSQL read alike; the data itself is checked in _gaps.
    recorded = sa.cast(messages.c.data, sa.Text).like(f'%"{KNOWLEDGE_KEY}"%')
    return sa.select(*CANDIDATE_COLUMNS).where(messages.c.sender == Sender.CUSTOMER, recorded)


async def _gaps(engine: AsyncEngine, query: sa.Select[Any]) -> list[Gap]:
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    found = [(r, (r.data or {}).get(KNOWLEDGE_KEY)) for r in rows]
    return [_gap(r, knowledge) for r, knowledge in found if isinstance(knowledge, dict)]


def _gap(r: Any, knowledge: dict[str, Any]) -> Gap:
    return Gap(
        candidate(r), knowledge.get("answered") is True, knowledge.get("article"), knowledge.get("score")
    )
