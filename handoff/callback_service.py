"""Callbacks at work: an agent's "Call now" on a callback ticket makes an attempt ready to dial; a voice
worker claims it, dials the agent's phone and then the customer, and reports how it went. Failed
attempts are retried after a pause, and a scheduled call waits for its time: once due, either is offered
on a desk (handoff/callback_offers.py, its agent first) and dialled when an agent takes it. The
customer's chat is told what happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.callbacks import (
    CUSTOMER_TRIES,
    AttemptStatus,
    Finished,
    Outcome,
    RetryAt,
    RetryPolicy,
    after_attempt,
    dialable,
    schedule_error,
)
from handoff.calling_hours import CallingHours, describe, is_open, next_opening
from handoff.store import Agent, HandoffStore
from handoff.tables import callback_attempts
from handoff.ticket_service import TicketService
from handoff.ticket_store import Ticket
from handoff.tickets import TicketKind, TicketStatus, reference
from tandem.config import CallbackSettings
from tandem.conversations import ConversationService
from tandem.store import ConversationStatus, Sender, Store
from tandem.validation import InputError

log = logging.getLogger(__name__)
PENDING, READY, DIALLING, DONE = AttemptStatus
ABANDONED_AFTER_S = 4 * 3600  # longer than any callback conversation


@dataclass(frozen=True, slots=True)
class DueAttempt:
    """A retry or scheduled call whose time has come, waiting for an agent to take it."""

    id: int
    ticket_id: int
    agent_id: str  # who pressed "Call now" or "Schedule": offered to them first
    due_at: float
    earlier_tries: int


@dataclass(frozen=True, slots=True)
class Dial:
    """What a voice worker needs to place one attempt."""

    attempt_id: int
    ticket: str
    agent_uri: str
    customer_uri: str
    number: str
    ring_timeout_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.attempt_id, "ticket": self.ticket, "agent_uri": self.agent_uri,
            "customer_uri": self.customer_uri, "number": self.number, "ring_timeout_s": self.ring_timeout_s,
        }  # fmt: skip


class CallbackService:
    def __init__(
        self,
        settings: CallbackSettings,
        store: Store,
        agents: HandoffStore,
        tickets: TicketService,
        conversations: ConversationService,
        clock: Callable[[], float],
    ) -> None:
        self._cfg = settings
        self._policy = RetryPolicy(settings.max_attempts, settings.retry_after_s)
        self.hours = CallingHours.from_settings(settings.calling_hours) if settings.calling_hours else None
        self._store = store
        self._engine: AsyncEngine = store.engine
        self._agents = agents
        self._tickets = tickets
        self._conversations = conversations
        self._clock = clock

    def dialling_open(self, now: float) -> bool:
        """Outbound calls are set up, and it is calling hours."""
        return self._cfg.trunk_uri is not None and is_open(self.hours, now)

    async def call_now(self, ticket_id: int, agent: Agent, at: float | None = None) -> Ticket:
        """The agent's "Call now" (or "Schedule" with `at`, epoch seconds): their phone rings first, then
        the customer's."""
        now = self._clock()
        if at is not None and (problem := schedule_error(at, now)):
            raise InputError("invalid_time", problem)
        ticket = await self._tickets.get(ticket_id)
        number = ticket.callback_number
        if ticket.kind is not TicketKind.CALLBACK or not number:
            raise InputError("no_number", "This ticket has no number to call back.", 409)
        if ticket.status is TicketStatus.CLOSED:
            raise InputError("ticket_closed", "This ticket is closed.", 409)
        if self._cfg.trunk_uri is None:
            raise InputError(
                "outbound_off", "Outbound calls are not set up (handoff.callbacks.trunk_uri).", 409
            )
        self._check_hours(now, at)
        if not agent.sip_uri:
            raise InputError("no_phone", "Your profile has no phone to ring first.", 409)
        if not dialable(number, self._cfg.number_pattern):
            await self._tickets.store.record(ticket, "call", "not dialled: the number is outside the allowed pattern",
                                             self._clock(), agent.id)  # fmt: skip
            raise InputError(
                "number_refused", "This number may not be dialled (handoff.callbacks.number_pattern).", 409
            )
        async with self._engine.begin() as conn:
            busy = await conn.scalar(
                sa.select(sa.func.count()).where(
                    callback_attempts.c.ticket_id == ticket.id, callback_attempts.c.status != DONE
                )
            )
            if busy:
                raise InputError(
                    "call_in_progress", "A call for this ticket is already scheduled or on its way.", 409
                )
            await conn.execute(
                sa.insert(callback_attempts).values(ticket_id=ticket.id, agent_id=agent.id,
                                                    status=READY if at is None else PENDING,
                                                    due_at=now if at is None else at)
            )  # fmt: skip
        if at is None:
            text = "calling: your phone first, then the customer"
        else:
            text = (
                f"call scheduled for {_when(at)} UTC: {agent.display_name}'s phone first, then the customer"
            )
        ticket = await self._tickets.store.record(ticket, "call", text, now, agent.id)
        if at is not None:
            await self._tell_customer_scheduled(ticket, at)
        return ticket

    def _check_hours(self, now: float, at: float | None) -> None:
        if is_open(self.hours, now if at is None else at):
            return
        assert self.hours is not None
        hours = describe(self.hours)
        if at is not None:
            raise InputError("outside_calling_hours", f"That time is outside calling hours ({hours}).")
        opening = _when(next_opening(self.hours, now))
        raise InputError("outside_calling_hours", f"Customers are called {hours}. The next opening is "
                         f"{opening} UTC: schedule the call for then.", 409)  # fmt: skip

    async def claim(self) -> Dial | None:
        """The next attempt ready to dial, for a voice worker; claimed atomically, so it is dialled once.
        Outside calling hours nothing is dialled."""
        now = self._clock()
        if not is_open(self.hours, now):
            return None
        async with self._engine.begin() as conn:
            # A worker that died mid-call never reports: its attempt must not block the ticket for ever.
            await conn.execute(
                sa.update(callback_attempts)
                .where(
                    callback_attempts.c.status == DIALLING,
                    callback_attempts.c.claimed_at < now - ABANDONED_AFTER_S,
                )
                .values(status=DONE, finished_at=now, outcome=Outcome.FAILED)
            )
            row = (
                await conn.execute(
                    sa.select(callback_attempts)
                    .where(callback_attempts.c.status == READY)
                    .order_by(callback_attempts.c.due_at)
                    .limit(1)
                )
            ).first()
            if row is None:
                return None
            claimed = await conn.execute(
                sa.update(callback_attempts)
                .where(callback_attempts.c.id == row.id, callback_attempts.c.status == READY)
                .values(status=DIALLING, claimed_at=now)
            )
            if claimed.rowcount != 1:
                return None
        ticket = await self._tickets.get(row.ticket_id)
        agent = await self._agents.agent(row.agent_id)
        number = ticket.callback_number or ""
        if self._cfg.trunk_uri is None or agent is None or not agent.sip_uri:
            await self.report(row.id, Outcome.AGENT_UNREACHABLE)
            return None
        if not dialable(number, self._cfg.number_pattern):
            await self.report(row.id, Outcome.REFUSED_NUMBER)
            return None
        return Dial(row.id, reference(ticket.id), agent.sip_uri, self._cfg.trunk_uri.format(number=number), number,
                    self._cfg.ring_timeout_s)  # fmt: skip

    async def due(self, now: float) -> list[DueAttempt]:
        """Retries and scheduled calls whose time has come, oldest first."""
        done = callback_attempts.alias("done")
        earlier = (
            sa.select(sa.func.count())
            .where(done.c.ticket_id == callback_attempts.c.ticket_id, done.c.status == DONE)
            .scalar_subquery()
        )
        query = (
            sa.select(callback_attempts, earlier.label("earlier"))
            .where(callback_attempts.c.status == PENDING, callback_attempts.c.due_at <= now)
            .order_by(callback_attempts.c.due_at)
        )
        async with self._engine.connect() as conn:
            return [
                DueAttempt(r.id, r.ticket_id, r.agent_id, r.due_at, int(r.earlier))
                for r in await conn.execute(query)
            ]

    async def take(self, ticket_id: int, agent: Agent) -> bool:
        """An agent takes the ticket's due attempt: it is ready to dial, their phone first. False when
        the ticket has none waiting (a customer's request, never called yet)."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(callback_attempts).where(
                        callback_attempts.c.ticket_id == ticket_id, callback_attempts.c.status == PENDING
                    )
                )
            ).first()
            if row is None:
                return False
            await conn.execute(
                sa.update(callback_attempts)
                .where(callback_attempts.c.id == row.id)
                .values(status=READY, agent_id=agent.id)
            )
        if row.agent_id != agent.id:
            ticket = await self._tickets.get(ticket_id)
            await self._tickets.store.record(ticket, "call", f"call taken by {agent.display_name}", self._clock(),
                                             agent.id)  # fmt: skip
        return True

    async def report(self, attempt_id: int, outcome: Outcome, conversation_id: str | None = None) -> None:
        """How an attempt went: into the ticket's history, then a retry, or the customer told."""
        now = self._clock()
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(sa.select(callback_attempts).where(callback_attempts.c.id == attempt_id))
            ).first()
            if row is None or row.status == DONE:
                raise InputError("unknown_attempt", "No such callback attempt in progress.", 404)
            await conn.execute(
                sa.update(callback_attempts).where(callback_attempts.c.id == attempt_id)
                .values(status=DONE, finished_at=now, outcome=outcome, conversation_id=conversation_id)
            )  # fmt: skip
            tries = await conn.scalar(
                sa.select(sa.func.count()).where(
                    callback_attempts.c.ticket_id == row.ticket_id,
                    callback_attempts.c.outcome.in_([str(o) for o in (*CUSTOMER_TRIES, Outcome.ANSWERED)]),
                )
            )
        ticket = await self._tickets.get(row.ticket_id)
        then = after_attempt(self._policy, int(tries or 0), outcome, now)
        text = outcome.replace("_", " ")
        changes: dict[str, Any] = {}
        if outcome is Outcome.ANSWERED and ticket.first_response_at is None:
            changes["first_response_at"] = now  # a call back is the team's first response
        if isinstance(then, RetryAt):
            then = RetryAt(next_opening(self.hours, then.at))
            text += f"; next try {_moment(then.at, now)}"
            async with self._engine.begin() as conn:
                await conn.execute(
                    sa.insert(callback_attempts).values(ticket_id=ticket.id, agent_id=row.agent_id, status=PENDING,
                                                        due_at=then.at)
                )  # fmt: skip
        elif isinstance(then, Finished) and not then.reached:
            text += f"; gave up after {tries} tries"
        await self._tickets.store.record(ticket, "call", text, now, row.agent_id, **changes)
        log.info("callback attempt", extra={"ticket_id": ticket.id, "outcome": str(outcome)})
        await self._tell_customer(ticket, outcome, then)

    async def _tell_customer_scheduled(self, ticket: Ticket, at: float) -> None:
        """A web customer who asked for the call reads in their chat when it will come."""
        if ticket.channel != "web":
            return
        conversation = await self._store.get_conversation(ticket.conversation_id)
        if conversation is None or await self._store.status(conversation.id) != ConversationStatus.TICKET:
            return
        text = f"We'll call you back on {_when(at)} (UTC)."
        await self._conversations.say(conversation, Sender.SYSTEM, text)

    async def _tell_customer(self, ticket: Ticket, outcome: Outcome, then: RetryAt | Finished | None) -> None:
        """A web customer who asked for the call reads in their chat what became of it."""
        if ticket.channel != "web" or outcome is Outcome.ANSWERED or then is None:
            return
        conversation = await self._store.get_conversation(ticket.conversation_id)
        if conversation is None or await self._store.status(conversation.id) != ConversationStatus.TICKET:
            return
        if isinstance(then, RetryAt):
            text = f"We tried to call you back but couldn't reach you. We'll try again {_moment(then.at, self._clock())} (UTC)."
        else:
            text = "We couldn't reach you by phone. Reply here and our team will answer you in this chat."
        await self._conversations.say(conversation, Sender.SYSTEM, text)


def _moment(epoch: float, now: float) -> str:
    """ "at 14:30" today, "on Mon 07 Dec at 08:00" another day (a retry pushed to the next calling hours)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    if moment.date() == datetime.fromtimestamp(now, UTC).date():
        return f"at {moment:%H:%M}"
    return f"on {_when(epoch)}"


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%a %d %b at %H:%M")
