"""Reads and writes of agents, sessions, contacts and offers, on the conversation store's engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import agents, contacts, offers, sessions
from tandem.schema import migrate
from tandem.store import ConversationStatus, Delivery, Sender, conversations, messages


class AgentState(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    WRAP_UP = "wrap_up"
    OFFLINE = "offline"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"  # the conversation designer: the workbench (/designer), never the desk


class ContactStatus(StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    WRAP_UP = "wrap_up"
    CLOSED = "closed"
    ABANDONED = "abandoned"
    RETURNED = "returned_to_bot"
    TRANSFERRED = "transferred"
    TICKET = "ticket"
    CALLBACK = "callback"


# Contacts that still need a person: the rest are history.
OPEN_STATUSES = (ContactStatus.QUEUED, ContactStatus.ACTIVE, ContactStatus.WRAP_UP)
# The ones that count against an agent's capacity.
WORKING_STATUSES = (ContactStatus.ACTIVE, ContactStatus.WRAP_UP)


class OfferOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    username: str
    display_name: str
    role: str
    skills: list[str]
    chat_capacity: int
    voice_capacity: int
    sip_uri: str | None
    state: str
    idle_since: float
    state_since: float
    disabled_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "skills": sorted(self.skills),
            "state": self.state,
            "sip_uri": self.sip_uri,
            "chat_capacity": self.chat_capacity,
            "voice_capacity": self.voice_capacity,
            "disabled": self.disabled_at is not None,
        }


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    conversation_id: str
    channel: str
    queue: str
    priority: int
    reason: str
    explanation: str
    status: str
    enqueued_at: float
    agent_id: str | None
    answered_at: float | None
    ended_at: float | None
    closed_at: float | None
    disposition: str | None
    notes: str | None
    declined_by: list[str]
    context: dict[str, Any]
    announced_at: float | None
    alternatives_offered: bool
    agent_lost_at: float | None


@dataclass(frozen=True, slots=True)
class OfferRecord:
    id: str
    contact_id: str
    agent_id: str
    created_at: float
    expires_at: float
    outcome: str


_AGENT_COLUMNS = [f.name for f in fields(Agent) if f.name != "password_hash"]


def _agent(row: sa.Row[Any]) -> Agent:
    return Agent(**{name: getattr(row, name) for name in _AGENT_COLUMNS})


def _contact(row: sa.Row[Any]) -> Contact:
    return Contact(**{f.name: getattr(row, f.name) for f in fields(Contact)})


def _offer(row: sa.Row[Any]) -> OfferRecord:
    return OfferRecord(**{f.name: getattr(row, f.name) for f in fields(OfferRecord)})


class HandoffStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, engine: AsyncEngine) -> HandoffStore:
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        return cls(engine)

    # Agents and sessions

    async def create_agent(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: Role,
        skills: Iterable[str],
        chat_capacity: int,
        voice_capacity: int,
        sip_uri: str | None,
        now: float,
    ) -> Agent:
        values = {
            "id": uuid.uuid4().hex,
            "username": username,
            "display_name": display_name,
            "password_hash": password_hash,
            "role": role,
            "skills": sorted(set(skills)),
            "chat_capacity": chat_capacity,
            "voice_capacity": voice_capacity,
            "sip_uri": sip_uri,
            "state": AgentState.OFFLINE,
            "idle_since": now,
            "state_since": now,
            "disabled_at": None,
        }
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(agents).values(**values))
        return Agent(**{name: values[name] for name in _AGENT_COLUMNS})

    async def count_agents(self) -> int:
        async with self._engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(agents)) or 0)

    async def agent(self, agent_id: str) -> Agent | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(agents).where(agents.c.id == agent_id))).first()
        return _agent(row) if row else None

    async def credentials(self, username: str) -> tuple[Agent, str] | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(agents).where(agents.c.username == username))).first()
        return (_agent(row), row.password_hash) if row else None

    async def all_agents(self) -> list[Agent]:
        async with self._engine.connect() as conn:
            return [_agent(row) for row in await conn.execute(sa.select(agents).order_by(agents.c.username))]

    async def set_agent_state(self, agent_id: str, state: AgentState, now: float, *, idle: bool) -> None:
        values: dict[str, Any] = {"state": state, "state_since": now}
        if idle:
            values["idle_since"] = now
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(agents).where(agents.c.id == agent_id).values(**values))

    async def create_session(self, token_hash: str, agent_id: str, expires_at: float) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(sessions).values(token_hash=token_hash, agent_id=agent_id, expires_at=expires_at)
            )

    async def session_agent(self, token_hash: str, now: float) -> Agent | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(agents)
                    .join(sessions, sessions.c.agent_id == agents.c.id)
                    .where(
                        sessions.c.token_hash == token_hash,
                        sessions.c.expires_at > now,
                        agents.c.disabled_at.is_(None),
                    )
                )
            ).first()
        return _agent(row) if row else None

    async def signed_in(self, now: float) -> set[str]:
        """Ids of the agents with a session that has not expired (signed in on some page of the desk)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(sessions.c.agent_id).where(sessions.c.expires_at > now).distinct()
            )
        return {row.agent_id for row in rows}

    async def delete_session(self, token_hash: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash))

    async def update_agent(self, agent_id: str, **values: Any) -> Agent:
        """A supervisor's change to the profile (display name, role, skills, capacities, phone), a new
        password hash, or disabled_at; every session ends with a new password or a disabling."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(agents).where(agents.c.id == agent_id).values(**values))
            if "password_hash" in values or values.get("disabled_at") is not None:
                await conn.execute(sa.delete(sessions).where(sessions.c.agent_id == agent_id))
        found = await self.agent(agent_id)
        assert found is not None
        return found

    # Contacts

    async def enqueue(
        self,
        *,
        conversation_id: str,
        channel: str,
        queue: str,
        priority: int,
        reason: str,
        explanation: str,
        context: dict[str, Any],
        now: float,
        enqueued_at: float | None = None,
    ) -> Contact:
        """A new contact for the conversation, which leaves the bot in the same transaction."""
        values: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "conversation_id": conversation_id,
            "channel": channel,
            "queue": queue,
            "priority": priority,
            "reason": reason,
            "explanation": explanation,
            "status": ContactStatus.QUEUED,
            "enqueued_at": enqueued_at if enqueued_at is not None else now,
            "declined_by": [],
            "context": context,
            "alternatives_offered": False,
        }
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(contacts).values(**values))
            await conn.execute(
                sa.update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(status=ConversationStatus.QUEUED)
            )
            # What the bot never saw is now for the agent: it must not be replayed to the bot later.
            await conn.execute(
                sa.update(messages)
                .where(
                    messages.c.conversation_id == conversation_id, messages.c.bot_delivery == Delivery.PENDING
                )
                .values(bot_delivery=Delivery.TO_AGENT)
            )
            row = (await conn.execute(sa.select(contacts).where(contacts.c.id == values["id"]))).one()
        return _contact(row)

    async def contact(self, contact_id: str) -> Contact | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(contacts).where(contacts.c.id == contact_id))).first()
        return _contact(row) if row else None

    async def open_contact_for(self, conversation_id: str) -> Contact | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(contacts).where(
                        contacts.c.conversation_id == conversation_id, contacts.c.status.in_(OPEN_STATUSES)
                    )
                )
            ).first()
        return _contact(row) if row else None

    async def contacts_of(self, conversation_id: str) -> list[Contact]:
        """Every contact the conversation has had, oldest first."""
        query = (
            sa.select(contacts)
            .where(contacts.c.conversation_id == conversation_id)
            .order_by(contacts.c.enqueued_at)
        )
        async with self._engine.connect() as conn:
            return [_contact(row) for row in await conn.execute(query)]

    async def contacts_in(self, statuses: Iterable[str], agent_id: str | None = None) -> list[Contact]:
        query = sa.select(contacts).where(contacts.c.status.in_(list(statuses)))
        if agent_id is not None:
            query = query.where(contacts.c.agent_id == agent_id)
        async with self._engine.connect() as conn:
            return [_contact(row) for row in await conn.execute(query.order_by(contacts.c.enqueued_at))]

    async def contacts_since(self, since: float, until: float | None = None) -> list[Contact]:
        """Contacts enqueued since `since` (and before `until`): the day's figures, a report's period."""
        query = sa.select(contacts).where(contacts.c.enqueued_at >= since)
        if until is not None:
            query = query.where(contacts.c.enqueued_at < until)
        async with self._engine.connect() as conn:
            return [_contact(row) for row in await conn.execute(query)]

    async def last_closed_at(self, conversation_id: str) -> float | None:
        """When an agent last handed this conversation back to the bot, if ever."""
        async with self._engine.connect() as conn:
            return await conn.scalar(
                sa.select(sa.func.max(contacts.c.closed_at)).where(
                    contacts.c.conversation_id == conversation_id, contacts.c.status == ContactStatus.RETURNED
                )
            )

    async def ended_conversations_since(self, since: float) -> tuple[int, int]:
        """Conversations closed since `since`: how many, and how many of them ever had a contact."""
        return await self.ended_conversations_between(datetime.fromtimestamp(since, UTC), None)

    async def ended_conversations_between(self, start: datetime, end: datetime | None) -> tuple[int, int]:
        """Conversations closed in [start, end): how many, and how many of them ever had a contact."""
        escalated = sa.exists().where(contacts.c.conversation_id == conversations.c.id)
        closed_by = [conversations.c.closed_at < end] if end else []
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.coalesce(sa.func.sum(sa.case((escalated, 1), else_=0)), 0),
                    ).where(
                        conversations.c.status == ConversationStatus.CLOSED,
                        conversations.c.closed_at >= start,
                        *closed_by,
                    )
                )
            ).one()
        return int(row[0]), int(row[1])

    async def customer_sentiments_since(self, since: float) -> list[float]:
        start = datetime.fromtimestamp(since, UTC)
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                sa.select(messages.c.data).where(
                    messages.c.sender == Sender.CUSTOMER,
                    messages.c.created_at >= start,
                    messages.c.data.is_not(None),
                )
            )
            return [float(d["sentiment"]) for (d,) in rows if isinstance(d, dict) and "sentiment" in d]

    async def update_contact(
        self, contact_id: str, conversation_status: ConversationStatus | None = None, **values: Any
    ) -> None:
        """Change a contact, and with it its conversation's status, atomically."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.update(contacts).where(contacts.c.id == contact_id).values(**values))
            if conversation_status is not None:
                conversation_id = sa.select(contacts.c.conversation_id).where(contacts.c.id == contact_id)
                await conn.execute(
                    sa.update(conversations)
                    .where(conversations.c.id == conversation_id.scalar_subquery())
                    .values(status=conversation_status)
                )

    # Offers

    async def create_offer(
        self, contact_id: str, agent_id: str, now: float, expires_at: float
    ) -> OfferRecord:
        offer = OfferRecord(uuid.uuid4().hex, contact_id, agent_id, now, expires_at, OfferOutcome.PENDING)
        async with self._engine.begin() as conn:
            await conn.execute(
                sa.insert(offers).values(
                    id=offer.id,
                    contact_id=contact_id,
                    agent_id=agent_id,
                    created_at=now,
                    expires_at=expires_at,
                    outcome=OfferOutcome.PENDING,
                )
            )
        return offer

    async def pending_offers(self, agent_id: str | None = None) -> list[OfferRecord]:
        query = sa.select(offers).where(offers.c.outcome == OfferOutcome.PENDING)
        if agent_id is not None:
            query = query.where(offers.c.agent_id == agent_id)
        async with self._engine.connect() as conn:
            return [_offer(row) for row in await conn.execute(query.order_by(offers.c.created_at))]

    async def offer(self, offer_id: str) -> OfferRecord | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(offers).where(offers.c.id == offer_id))).first()
        return _offer(row) if row else None

    async def close_offer(self, offer_id: str, outcome: OfferOutcome, now: float) -> bool:
        """Settle a pending offer; False if it was already settled (a race with its expiry)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.update(offers)
                .where(offers.c.id == offer_id, offers.c.outcome == OfferOutcome.PENDING)
                .values(outcome=outcome, closed_at=now)
            )
        return bool(result.rowcount)
