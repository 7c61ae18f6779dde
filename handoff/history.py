"""Past conversations for the desk: search by words, customer, date, queue, disposition and agent, and
read one back.

Words are found with the store's full-text search, made by migrations/versions/0002: SQLite's FTS5
table over `messages` (kept in step by triggers), or PostgreSQL's English tsvector. Either indexes what
is stored, so masked security answers are indexed as their mask and can never be searched for. Agents
find the conversations they handled; supervisors find all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from handoff.tables import agents, contacts
from tandem.store import conversations, customers, identities, messages

MAX_RESULTS = 50
FIRST_BATCH = 2000  # matching messages read, newest first, before looking further back
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    words: str = ""
    customer: str = ""
    since: datetime | None = None
    until: datetime | None = None
    queue: str | None = None
    disposition: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Found:
    conversation_id: str
    created_at: datetime
    channel: str
    status: str
    customer: str | None
    queue: str | None
    disposition: str | None
    agent: str | None
    snippet: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id, "created_at": self.created_at.isoformat(),
            "channel": self.channel, "status": self.status, "customer": self.customer, "queue": self.queue,
            "disposition": self.disposition, "agent": self.agent, "snippet": self.snippet,
        }  # fmt: skip


def match_expression(words: str) -> str | None:
    """The customer's words as an FTS5 query: every word must appear (stemmed), none read as syntax."""
    terms = _words(words)
    return " ".join(f'"{term}"' for term in terms) or None


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:12]


def _tsquery(words: str) -> sa.ColumnElement[Any]:
    """PostgreSQL: every word must appear (English stemming); plainto_tsquery reads no syntax."""
    return sa.func.plainto_tsquery("english", " ".join(_words(words)))


def _tsvector() -> sa.ColumnElement[Any]:
    # The very expression of the GIN index (migrations/versions/0002), so that the index is used.
    return sa.func.to_tsvector("english", messages.c.text)


async def search(engine: AsyncEngine, query: HistoryQuery, handled_by: str | None) -> list[Found]:
    """Newest first. handled_by: only conversations that agent worked (None: every conversation)."""
    last_contact = (
        sa.select(contacts.c.conversation_id, sa.func.max(contacts.c.enqueued_at).label("at"))
        .group_by(contacts.c.conversation_id)
        .subquery()
    )
    contact = contacts.alias("last_contact")
    where = []
    if query.since:
        where.append(conversations.c.created_at >= query.since)
    if query.until:
        where.append(conversations.c.created_at < query.until)
    if query.queue:
        where.append(contact.c.queue == query.queue)
    if query.disposition:
        where.append(contact.c.disposition == query.disposition)
    for agent_id in (query.agent_id, handled_by):
        if agent_id:
            worked = sa.select(contacts.c.id).where(
                contacts.c.conversation_id == conversations.c.id, contacts.c.agent_id == agent_id
            )
            where.append(sa.exists(worked))
    if query.customer.strip():
        pattern = f"%{query.customer.strip()}%"
        known_as = sa.select(identities.c.id).where(
            identities.c.customer_id == conversations.c.customer_id, identities.c.external_id.ilike(pattern)
        )
        where.append(sa.or_(customers.c.display_name.ilike(pattern), sa.exists(known_as)))
    match = match_expression(query.words) if query.words.strip() else None
    if query.words.strip() and match is None:
        return []  # only punctuation: no word to look for
    sqlite = engine.dialect.name == "sqlite"
    if match is not None and not sqlite:
        where.append(conversations.c.id.in_(
            sa.select(messages.c.conversation_id).where(_tsvector().op("@@")(_tsquery(query.words)))
        ))  # fmt: skip
    select = (
        sa.select(
            conversations.c.id, conversations.c.created_at, conversations.c.channel, conversations.c.status,
            customers.c.display_name, contact.c.queue, contact.c.disposition, agents.c.display_name.label("agent"),
        )
        .join(customers, customers.c.id == conversations.c.customer_id)
        .outerjoin(last_contact, last_contact.c.conversation_id == conversations.c.id)
        .outerjoin(contact, sa.and_(contact.c.conversation_id == conversations.c.id,
                                    contact.c.enqueued_at == last_contact.c.at))
        .outerjoin(agents, agents.c.id == contact.c.agent_id)
        .where(*where)
        .order_by(conversations.c.created_at.desc())
        .limit(MAX_RESULTS)
    )  # fmt: skip
    async with engine.connect() as conn:
        if match is not None and sqlite:
            rows = await _newest_matching(conn, select, match)
        else:
            rows = list(await conn.execute(select))
        snippets = {}
        if match is not None and rows:
            ids = [r.id for r in rows]
            snippets = await (_snippets(conn, match, ids) if sqlite else _headlines(conn, query.words, ids))
    return [
        Found(r.id, r.created_at, r.channel, r.status, r.display_name, r.queue, r.disposition, r.agent,
              snippets.get(r.id))
        for r in rows
    ]  # fmt: skip


_FTS = sa.table("messages_fts", sa.column("rowid"))
_MATCH = sa.text("messages_fts MATCH :match")


async def _newest_matching(conn: AsyncConnection, select: sa.Select[Any], match: str) -> list[sa.Row[Any]]:
    """The newest conversations with a message holding every word. A common word matches much of the
    store, so the matches are read newest first, a batch at a time, until the results cannot change:
    messages are stored in time order, so a conversation only older matches can reach is older still."""
    batch = FIRST_BATCH
    while True:
        newest = (
            sa.select(_FTS.c.rowid).select_from(_FTS).where(_MATCH.bindparams(match=match))
            .order_by(_FTS.c.rowid.desc()).limit(batch).scalar_subquery()
        )  # fmt: skip
        matched = sa.select(messages.c.conversation_id).where(messages.c.id.in_(newest))
        count, oldest = (
            await conn.execute(sa.select(sa.func.count(), sa.func.min(messages.c.created_at)).where(messages.c.id.in_(newest)))
        ).one()  # fmt: skip
        rows = list(await conn.execute(select.where(conversations.c.id.in_(matched))))
        if count < batch or (len(rows) == MAX_RESULTS and rows[-1].created_at >= oldest):
            return rows
        batch *= 4


async def _snippets(conn: AsyncConnection, match: str, conversation_ids: list[str]) -> dict[str, str]:
    """Conversation id -> its first message holding the words, marked [like this]. Not ranked: bm25 would
    score every match in the store, where these are a few messages of at most 50 conversations."""
    rows = await conn.execute(
        sa.select(messages.c.conversation_id, sa.text("snippet(messages_fts, 0, '[', ']', '…', 12)"))
        .join(_FTS, _FTS.c.rowid == messages.c.id)
        .where(_MATCH.bindparams(match=match), messages.c.conversation_id.in_(conversation_ids))
        .order_by(messages.c.id)
    )
    found: dict[str, str] = {}
    for conversation_id, snippet in rows:
        found.setdefault(conversation_id, snippet)
    return found


async def _headlines(conn: AsyncConnection, words: str, conversation_ids: list[str]) -> dict[str, str]:
    """PostgreSQL's _snippets: the first message holding the words, marked [like this] by ts_headline."""
    query = _tsquery(words)
    rows = await conn.execute(
        sa.select(
            messages.c.conversation_id,
            sa.func.ts_headline(
                "english", messages.c.text, query, "StartSel=[, StopSel=], MaxWords=12, MinWords=4"
            ),
        )
        .where(_tsvector().op("@@")(query), messages.c.conversation_id.in_(conversation_ids))
        .order_by(messages.c.id)
    )
    found: dict[str, str] = {}
    for conversation_id, snippet in rows:
        found.setdefault(conversation_id, snippet)
    return found
