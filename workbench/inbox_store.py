"""The NLU inbox's reads and writes in the store: the customer messages that may need a look, agents'
flags, and designers' labels (a labelled message leaves the inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.policy import Reason
from handoff.tables import contacts
from tandem.store import Sender, messages
from workbench.inbox import FALLBACK_INTENT, Candidate
from workbench.tables import nlu_flags, nlu_labels

LIMIT = 1000  # the newest; a designer works through an inbox, not an archive
# What a Candidate is made of.
CANDIDATE_COLUMNS = (
    messages.c.id,
    messages.c.conversation_id,
    messages.c.text,
    messages.c.intent,
    messages.c.confidence,
    messages.c.data,
)


async def candidates(engine: AsyncEngine, since: datetime, threshold: float) -> list[Candidate]:
    """Customer messages since then, not yet labelled, that the NLU missed or doubted, that an agent
    flagged, or that belong to a conversation handed over because the bot kept failing."""
    escalated = sa.select(contacts.c.conversation_id).where(contacts.c.reason == Reason.REPEATED_FAILURE)
    flagged = sa.select(nlu_flags.c.message_id)
    query = (
        sa.select(
            *CANDIDATE_COLUMNS,
            messages.c.conversation_id.in_(escalated).label("escalated"),
            messages.c.id.in_(flagged).label("flagged"),
        )
        .where(
            messages.c.sender == Sender.CUSTOMER,
            messages.c.created_at >= since,
            messages.c.id.not_in(sa.select(nlu_labels.c.message_id)),
            sa.or_(
                messages.c.intent == FALLBACK_INTENT,
                messages.c.confidence < threshold,
                messages.c.id.in_(flagged),
                messages.c.conversation_id.in_(escalated),
            ),
        )
        .order_by(messages.c.id.desc())
        .limit(LIMIT)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [candidate(r, escalated=bool(r.escalated), flagged=bool(r.flagged)) for r in rows]


def candidate(row: Any, *, escalated: bool = False, flagged: bool = False) -> Candidate:
    """A Candidate from a row holding CANDIDATE_COLUMNS."""
    return Candidate(
        row.id,
        row.conversation_id,
        row.text,
        row.intent,
        row.confidence,
        masked=bool((row.data or {}).get("masked")),
        escalated=escalated,
        flagged=flagged,
    )


async def flag(engine: AsyncEngine, message_id: int, agent_id: str, now: float) -> None:
    async with engine.begin() as conn:
        known = await conn.execute(
            sa.select(nlu_flags.c.message_id).where(nlu_flags.c.message_id == message_id)
        )
        if known.first() is None:
            await conn.execute(
                sa.insert(nlu_flags).values(message_id=message_id, agent_id=agent_id, created_at=now)
            )


async def label(
    engine: AsyncEngine, message_ids: Sequence[int], intent: str, designer_id: str, now: float
) -> None:
    await record_new(
        engine, nlu_labels, message_ids, {"intent": intent, "designer_id": designer_id, "created_at": now}
    )


async def record_new(
    engine: AsyncEngine, table: sa.Table, message_ids: Sequence[int], values: dict[str, Any]
) -> None:
    """A row of values for each message not in the table yet (keyed by message_id)."""
    async with engine.begin() as conn:
        done = await conn.execute(sa.select(table.c.message_id).where(table.c.message_id.in_(message_ids)))
        fresh = sorted(set(message_ids) - {row.message_id for row in done})
        if fresh:
            await conn.execute(sa.insert(table), [{"message_id": i, **values} for i in fresh])


async def customer_messages(engine: AsyncEngine, message_ids: Sequence[int]) -> list[Candidate]:
    """The customer messages with these ids (any other id is left out)."""
    query = sa.select(messages).where(messages.c.id.in_(message_ids), messages.c.sender == Sender.CUSTOMER)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [candidate(r) for r in rows]
