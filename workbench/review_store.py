"""The conversation review's reads: conversations newest first, a page at a time, filtered by outcome, each
with the facts its outcomes are decided from (workbench/outcomes.py). Every outcome is also written here
as SQL over indexed lookups per conversation, so a filter never loads a big store into Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.store import ContactStatus
from handoff.tables import contacts
from tandem.ratings import ratings
from tandem.store import ConversationStatus, Sender, conversations, messages
from workbench.inbox import FALLBACK_INTENT
from workbench.outcomes import LOW_SATISFACTION, Facts, Outcome

PAGE = 50

_c = conversations.c
_handed_over = sa.exists().where(contacts.c.conversation_id == _c.id)
_left_queue = sa.exists().where(
    contacts.c.conversation_id == _c.id, contacts.c.status == ContactStatus.ABANDONED
)
_fallback = sa.exists().where(
    messages.c.conversation_id == _c.id,
    messages.c.sender == Sender.CUSTOMER,
    messages.c.intent == FALLBACK_INTENT,
)
_last_word = (
    sa.select(messages.c.sender)
    .where(messages.c.conversation_id == _c.id, messages.c.sender != Sender.SYSTEM)
    .order_by(messages.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_rating = sa.select(ratings.c.score).where(ratings.c.conversation_id == _c.id).scalar_subquery()
_ended = _c.status == ConversationStatus.CLOSED

WHERE: dict[Outcome, sa.ColumnElement[bool]] = {
    Outcome.CONTAINED: sa.and_(
        _ended, ~_handed_over, ~_fallback, _last_word == Sender.BOT, _c.awaiting_slot.is_(None)
    ),
    Outcome.ESCALATED: _handed_over,
    Outcome.FALLBACK: _fallback,
    Outcome.ABANDONED: sa.and_(
        _ended,
        sa.or_(_left_queue, _last_word == Sender.CUSTOMER, _c.awaiting_slot.is_not(None)),
    ),
    Outcome.LOW_SATISFACTION: _rating <= LOW_SATISFACTION,
}


@dataclass(frozen=True, slots=True)
class Reviewed:
    id: str
    channel: str
    status: str
    created_at: datetime
    facts: Facts


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: after this conversation, in newest-first order."""

    created_at: datetime
    id: str


def _query() -> sa.Select[Any]:
    return sa.select(
        _c.id,
        _c.channel,
        _c.status,
        _c.created_at,
        _c.awaiting_slot,
        _handed_over.label("handed_over"),
        _left_queue.label("left_queue"),
        _fallback.label("fallback"),
        _last_word.label("last_word"),
        _rating.label("rating"),
    )


def _reviewed(row: sa.Row[Any]) -> Reviewed:
    facts = Facts(
        ended=row.status == ConversationStatus.CLOSED,
        handed_over=bool(row.handed_over),
        fallback=bool(row.fallback),
        left_queue=bool(row.left_queue),
        last_word=row.last_word,
        awaiting_slot=row.awaiting_slot,
        rating=row.rating,
    )
    # SQLite gives back naive datetimes; everything stored is UTC.
    created_at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Reviewed(row.id, row.channel, row.status, created_at, facts)


async def page(
    engine: AsyncEngine, outcome: Outcome | None, after: Cursor | None, size: int = PAGE
) -> list[Reviewed]:
    """Up to `size` conversations, newest first, after the cursor, with that outcome (any, for None)."""
    query = _query().order_by(_c.created_at.desc(), _c.id.desc()).limit(size)
    if outcome is not None:
        query = query.where(WHERE[outcome])
    if after is not None:
        query = query.where(sa.tuple_(_c.created_at, _c.id) < (after.created_at, after.id))
    async with engine.connect() as conn:
        return [_reviewed(row) for row in await conn.execute(query)]


async def one(engine: AsyncEngine, conversation_id: str) -> Reviewed | None:
    async with engine.connect() as conn:
        row = (await conn.execute(_query().where(_c.id == conversation_id))).first()
    return None if row is None else _reviewed(row)


async def handovers(engine: AsyncEngine, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's handoff contacts, oldest first: why each was made and what became of it."""
    query = (
        sa.select(contacts.c.queue, contacts.c.reason, contacts.c.status)
        .where(contacts.c.conversation_id == conversation_id)
        .order_by(contacts.c.enqueued_at)
    )
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in await conn.execute(query)]
