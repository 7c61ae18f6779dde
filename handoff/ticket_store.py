"""Reads and writes of tickets and their history, on the conversation store's engine (tables in
handoff/tables.py), so a ticket survives a restart like the conversation it answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import callback_attempts, metadata, ticket_events, tickets
from handoff.tickets import Sla, TicketKind, TicketStatus


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    conversation_id: str
    contact_id: str | None
    kind: TicketKind
    channel: str
    queue: str
    priority: int
    status: TicketStatus
    subject: str
    callback_number: str | None
    assignee_id: str | None
    context: dict[str, Any]
    created_at: float
    first_response_due: float
    resolution_due: float
    first_response_at: float | None
    resolved_at: float | None
    updated_at: float


@dataclass(frozen=True, slots=True)
class TicketEvent:
    id: int
    ticket_id: int
    at: float
    kind: str
    agent_id: str | None
    text: str


_TICKET_COLUMNS = [f.name for f in fields(Ticket)]


def _ticket(row: sa.Row[Any]) -> Ticket:
    values = {name: getattr(row, name) for name in _TICKET_COLUMNS}
    return Ticket(**{**values, "kind": TicketKind(row.kind), "status": TicketStatus(row.status)})


@dataclass(frozen=True, slots=True)
class TicketFilter:
    statuses: tuple[TicketStatus, ...] = ()
    queue: str | None = None
    assignee_id: str | None = None
    unassigned: bool = False


class TicketStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        conversation_id: str,
        contact_id: str | None,
        kind: TicketKind,
        channel: str,
        queue: str,
        priority: int,
        subject: str,
        callback_number: str | None,
        context: dict[str, Any],
        sla: Sla,
        now: float,
        agent_id: str | None = None,
    ) -> Ticket:
        first_due, resolution_due = sla.due(now)
        values = {
            "conversation_id": conversation_id,
            "contact_id": contact_id,
            "kind": kind,
            "channel": channel,
            "queue": queue,
            "priority": priority,
            "status": TicketStatus.OPEN,
            "subject": subject[:200],
            "callback_number": callback_number,
            "assignee_id": None,
            "context": context,
            "created_at": now,
            "first_response_due": first_due,
            "resolution_due": resolution_due,
            "first_response_at": None,
            "resolved_at": None,
            "updated_at": now,
        }
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.insert(tickets).values(**values))
            ticket_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            await conn.execute(
                sa.insert(ticket_events).values(ticket_id=ticket_id, at=now, kind="created", agent_id=agent_id,
                                                text=subject[:200])
            )  # fmt: skip
        return Ticket(id=ticket_id, **values)  # type: ignore[arg-type]

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id))).first()
        return _ticket(row) if row else None

    async def open_for_conversation(self, conversation_id: str) -> Ticket | None:
        """The conversation's latest ticket that still takes replies."""
        query = (
            sa.select(tickets)
            .where(tickets.c.conversation_id == conversation_id, tickets.c.status != TicketStatus.CLOSED)
            .order_by(tickets.c.id.desc())
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _ticket(row) if row else None

    async def search(self, where: TicketFilter, limit: int = 500) -> list[Ticket]:
        query = sa.select(tickets).order_by(tickets.c.id.desc()).limit(limit)
        if where.statuses:
            query = query.where(tickets.c.status.in_([str(s) for s in where.statuses]))
        if where.queue:
            query = query.where(tickets.c.queue == where.queue)
        if where.assignee_id:
            query = query.where(tickets.c.assignee_id == where.assignee_id)
        if where.unassigned:
            query = query.where(tickets.c.assignee_id.is_(None))
        async with self._engine.connect() as conn:
            return [_ticket(row) for row in await conn.execute(query)]

    async def callback_requests(self) -> list[Ticket]:
        """Customers' own callback requests that no agent has taken yet: open, unassigned, never called,
        not answered, and created by the customer (not an agent's follow-up), oldest first."""
        by_customer = sa.exists().where(
            ticket_events.c.ticket_id == tickets.c.id,
            ticket_events.c.kind == "created",
            ticket_events.c.agent_id.is_(None),
        )
        never_called = ~sa.exists().where(callback_attempts.c.ticket_id == tickets.c.id)
        query = (
            sa.select(tickets)
            .where(
                tickets.c.kind == TicketKind.CALLBACK,
                tickets.c.status == TicketStatus.OPEN,
                tickets.c.callback_number.is_not(None),
                tickets.c.assignee_id.is_(None),
                tickets.c.first_response_at.is_(None),
                by_customer,
                never_called,
            )
            .order_by(tickets.c.created_at)
        )
        async with self._engine.connect() as conn:
            return [_ticket(row) for row in await conn.execute(query)]

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        query = (
            sa.select(ticket_events)
            .where(ticket_events.c.ticket_id == ticket_id)
            .order_by(ticket_events.c.id)
        )
        async with self._engine.connect() as conn:
            return [
                TicketEvent(r.id, r.ticket_id, r.at, r.kind, r.agent_id, r.text)
                for r in await conn.execute(query)
            ]

    async def record(
        self, ticket: Ticket, kind: str, text: str, now: float, agent_id: str | None = None, **changes: Any
    ) -> Ticket:
        """One event in the ticket's history and the ticket's changes with it, in one transaction."""
        values = {**changes, "updated_at": now}
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(tickets).where(tickets.c.id == ticket.id).values(**values))
            await conn.execute(
                sa.insert(ticket_events).values(
                    ticket_id=ticket.id, at=now, kind=kind, agent_id=agent_id, text=text
                )
            )
        updated = await self.get(ticket.id)
        assert updated is not None
        return updated

    async def backlog(self) -> Sequence[sa.Row[Any]]:
        """Per queue and status: how many tickets, for the dashboard and the metrics."""
        query = sa.select(tickets.c.queue, tickets.c.status, sa.func.count()).group_by(
            tickets.c.queue, tickets.c.status
        )
        async with self._engine.connect() as conn:
            return list(await conn.execute(query))


async def phone_number_of(engine: AsyncEngine, conversation_id: str) -> str | None:
    """The number the conversation's customer has called from, if any: where a callback can reach them."""
    identities, conversations = metadata.tables["identities"], metadata.tables["conversations"]
    query = (
        sa.select(identities.c.external_id)
        .join(conversations, conversations.c.customer_id == identities.c.customer_id)
        .where(conversations.c.id == conversation_id, identities.c.channel == "phone")
        .order_by(identities.c.id.desc())
        .limit(1)
    )
    async with engine.connect() as conn:
        number = await conn.scalar(query)
    return str(number) if number else None
