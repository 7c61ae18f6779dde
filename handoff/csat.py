"""Satisfaction and containment for the floor: ratings per queue and per agent, and whether the bot
alone resolved a conversation.

bot_resolved is pure; the rest reads the store (tandem/ratings.py has the ratings, handoff/tables.py
the contacts that tell who handled a conversation and in which queue).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import agents, contacts
from tandem.metrics import Metrics
from tandem.ratings import ratings
from tandem.store import conversations

BOT_ONLY = "bot"  # the group of conversations no person touched
# Ends that say nothing about the bot's answer: the line or the bot failed, nobody spoke.
_NOT_RESOLVED_ENDS = frozenset({"gateway unavailable", "no input", "voice gateway stopped"})


def bot_resolved(had_contact: bool, awaiting_slot: str | None, reason: str) -> bool:
    """The bot alone resolved it: no person was asked for, the customer did not leave in the middle of
    a form (a question unanswered), and the conversation did not end on a failure."""
    return not had_contact and awaiting_slot is None and reason not in _NOT_RESOLVED_ENDS


async def had_contact(engine: AsyncEngine, conversation_id: str) -> bool:
    async with engine.connect() as conn:
        found = await conn.scalar(
            sa.select(contacts.c.id).where(contacts.c.conversation_id == conversation_id).limit(1)
        )
    return found is not None


async def csat_summary(
    engine: AsyncEngine, since: datetime, metrics: Metrics | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """From `since` (to `until`): per queue (and "bot" for conversations no person touched) and per agent, the
    ended conversations, the ratings, their average and the response rate."""
    latest_contact = (
        sa.select(contacts.c.conversation_id, contacts.c.queue, contacts.c.agent_id,
                  sa.func.row_number().over(partition_by=contacts.c.conversation_id,
                                            order_by=contacts.c.enqueued_at.desc()).label("n"))
        .subquery()
    )  # fmt: skip
    query = (
        sa.select(conversations.c.id, latest_contact.c.queue, latest_contact.c.agent_id, ratings.c.score)
        .select_from(conversations)
        .outerjoin(latest_contact, sa.and_(latest_contact.c.conversation_id == conversations.c.id, latest_contact.c.n == 1))
        .outerjoin(ratings, ratings.c.conversation_id == conversations.c.id)
        .where(conversations.c.status == "closed", conversations.c.closed_at >= since,
               *([conversations.c.closed_at < until] if until else []))
    )  # fmt: skip
    by_queue: dict[str, list[int | None]] = defaultdict(list)
    by_agent: dict[str, list[int | None]] = defaultdict(list)
    async with engine.connect() as conn:
        rows = list(await conn.execute(query))
        names = {
            row.id: row.display_name
            for row in await conn.execute(sa.select(agents.c.id, agents.c.display_name))
        }
    for row in rows:
        by_queue[row.queue or BOT_ONLY].append(row.score)
        if row.agent_id:
            by_agent[names.get(row.agent_id, row.agent_id)].append(row.score)
    queues = {name: _figures(scores) for name, scores in sorted(by_queue.items())}
    if metrics is not None:
        for name, figures in queues.items():
            metrics.csat_average.labels(name).set(figures["average"] or 0)
            metrics.csat_response_ratio.labels(name).set(figures["response_rate"])
    return {"queues": queues, "agents": {name: _figures(scores) for name, scores in sorted(by_agent.items())}}


def _figures(scores: list[int | None]) -> dict[str, Any]:
    given = [s for s in scores if s is not None]
    return {
        "ended": len(scores),
        "ratings": len(given),
        "average": round(sum(given) / len(given), 2) if given else None,
        "response_rate": round(len(given) / len(scores), 3) if scores else 0.0,
    }
