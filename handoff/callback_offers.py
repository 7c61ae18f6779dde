"""Callbacks as the router's work: a customer's "call me back" that no agent has taken yet, and a retry
or scheduled call whose time has come, are offered on a desk like a waiting call, to a qualified agent
with a phone and a free call slot, with the context (the router plans them with the contacts,
handoff/routing.py). A retry or scheduled call goes first to the agent who set it up. Accepting rings
the agent's phone, then the customer's (handoff/callback_service.py); declining or letting the offer
expire passes it on.

Requests are offered only while calls may be placed: outbound set up, within calling hours.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from handoff import routing
from handoff.callback_service import CallbackService, DueAttempt
from handoff.events import NoticeFrame, OfferClosedFrame, OfferFrame
from handoff.state import HandoffState, iso
from handoff.store import OfferOutcome
from handoff.tables import callback_offers
from handoff.ticket_service import TicketService
from handoff.ticket_store import Ticket
from handoff.tickets import reference
from tandem.validation import InputError

log = logging.getLogger(__name__)

# Callback offers' ids start so: the desk answers every offer the same way, and this tells them apart.
OFFER_PREFIX = "cb-"
ROUTING_PREFIX = "ticket:"
REASON = "callback"


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    ticket: Ticket
    declined_by: frozenset[str]
    offered: bool
    # A retry or scheduled call; None: the customer's request, never called yet.
    attempt: DueAttempt | None = None

    @property
    def routing_id(self) -> str:
        return f"{ROUTING_PREFIX}{self.ticket.id}"

    def waiting(self) -> routing.WaitingContact:
        """As the router sees it: a call to make, waiting since the customer asked."""
        return routing.WaitingContact(
            id=self.routing_id,
            queue=self.ticket.queue,
            channel=routing.VOICE,
            priority=self.ticket.priority,
            enqueued_at=self.attempt.due_at if self.attempt else self.ticket.created_at,
            declined_by=self.declined_by,
            offered=self.offered,
            preferred_agent=self.attempt.agent_id if self.attempt else None,
        )


@dataclass(frozen=True, slots=True)
class CallbackOffer:
    id: str
    ticket_id: int
    agent_id: str
    expires_at: float


def is_callback_offer(offer_id: str) -> bool:
    return offer_id.startswith(OFFER_PREFIX)


class CallbackOffers:
    def __init__(self, state: HandoffState, tickets: TicketService, callbacks: CallbackService) -> None:
        self._s = state
        self._tickets = tickets
        self._callbacks = callbacks

    async def requests(self, now: float) -> list[CallbackRequest]:
        """The requests to route now; none while no call may be placed."""
        if not self._callbacks.dialling_open(now):
            return []
        asked = [(t, None) for t in await self._tickets.store.callback_requests()]
        due = [(await self._tickets.get(d.ticket_id), d) for d in await self._callbacks.due(now)]
        # A queue since removed from config.yml has nobody to route to: its tickets stay on the Tickets page.
        waiting = [(ticket, attempt) for ticket, attempt in asked + due if ticket.queue in self._s.cfg.queues]
        if not waiting:
            return []
        async with self._s.store.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(callback_offers.c.ticket_id, callback_offers.c.agent_id, callback_offers.c.outcome,
                          callback_offers.c.created_at)
                .where(callback_offers.c.ticket_id.in_([t.id for t, _ in waiting]))
            )  # fmt: skip
            offers = list(rows)
        passed = {OfferOutcome.DECLINED, OfferOutcome.EXPIRED}
        return [
            CallbackRequest(
                ticket,
                # A retry starts afresh: passing on the ticket's earlier call said nothing about this one.
                frozenset(
                    r.agent_id
                    for r in offers
                    if r.ticket_id == ticket.id
                    and r.outcome in passed
                    and r.created_at >= (attempt.due_at if attempt else 0)
                ),
                any(r.ticket_id == ticket.id and r.outcome == OfferOutcome.PENDING for r in offers),
                attempt,
            )
            for ticket, attempt in waiting
        ]

    async def pending(self, agent_id: str | None = None) -> list[CallbackOffer]:
        query = sa.select(callback_offers).where(callback_offers.c.outcome == OfferOutcome.PENDING)
        if agent_id is not None:
            query = query.where(callback_offers.c.agent_id == agent_id)
        async with self._s.store.engine.connect() as conn:
            return [
                CallbackOffer(r.id, r.ticket_id, r.agent_id, r.expires_at) for r in await conn.execute(query)
            ]

    async def offer(self, request: CallbackRequest, agent_id: str, now: float) -> None:
        """Call holding the state's lock, as the router does."""
        offer = CallbackOffer(
            f"{OFFER_PREFIX}{uuid.uuid4().hex}",
            request.ticket.id,
            agent_id,
            now + self._s.cfg.offer_timeout_s,
        )
        async with self._s.store.engine.begin() as conn:
            await conn.execute(
                sa.insert(callback_offers).values(
                    id=offer.id, ticket_id=offer.ticket_id, agent_id=agent_id, created_at=now,
                    expires_at=offer.expires_at, outcome=OfferOutcome.PENDING,
                )
            )  # fmt: skip
        self._s.push(
            agent_id, OfferFrame(type="offer", offer=await self.view(offer, request.ticket, request.attempt))
        )
        log.info("callback offered", extra={"ticket_id": request.ticket.id, "agent_id": agent_id})

    async def view(
        self, offer: CallbackOffer, ticket: Ticket | None = None, attempt: DueAttempt | None = None
    ) -> dict[str, Any]:
        """The offer as the desk shows any offer: a waiting call, its context and a countdown."""
        ticket = ticket or await self._tickets.get(offer.ticket_id)
        if attempt is None:
            attempt = next(
                (a for a in await self._callbacks.due(self._s.clock()) if a.ticket_id == ticket.id), None
            )
        ending = (ticket.callback_number or "")[-3:]
        if attempt is None:
            what = "call back"
        elif attempt.earlier_tries:
            what = f"try {attempt.earlier_tries + 1} at calling back"
        else:
            what = "scheduled callback"
        explanation = (
            f"{reference(ticket.id)}: {what} on the number ending {ending}. "
            "Accept rings your phone first, then the customer's."
        )
        transcript = await self._tickets.transcript(ticket.conversation_id)
        return {
            "id": offer.id,
            "contact": {
                "id": f"{ROUTING_PREFIX}{ticket.id}",
                "kind": REASON,
                "ticket": reference(ticket.id),
                "conversation_id": ticket.conversation_id,
                "channel": routing.VOICE,
                "queue": ticket.queue,
                "priority": ticket.priority,
                "reason": REASON,
                "status": "offered",
                "enqueued_at": iso(ticket.created_at),
                "answered_at": None,
                "customer_present": False,
                "context": {**ticket.context, "trigger": {"reason": REASON, "explanation": explanation}},
                "transcript": [m.to_json() for m in transcript],
            },
            "expires_at": iso(offer.expires_at),
            "timeout_s": self._s.cfg.offer_timeout_s,
            "server_time": iso(self._s.clock()),
        }

    async def _close(self, offer_id: str, outcome: OfferOutcome, now: float) -> bool:
        """Close a pending offer; False if it was no longer pending (expired, withdrawn, answered)."""
        async with self._s.store.engine.begin() as conn:
            closed = await conn.execute(
                sa.update(callback_offers)
                .where(callback_offers.c.id == offer_id, callback_offers.c.outcome == OfferOutcome.PENDING)
                .values(outcome=outcome, closed_at=now)
            )
        return closed.rowcount == 1

    async def expire(self, now: float) -> list[str]:
        """Close the offers nobody answered in time; the agents who let them expire. Call holding the lock."""
        missed = []
        for offer in await self.pending():
            if offer.expires_at <= now and await self._close(offer.id, OfferOutcome.EXPIRED, now):
                self._s.push(
                    offer.agent_id,
                    OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="expired"),
                )
                missed.append(offer.agent_id)
        return missed

    async def withdraw(self, now: float, agent_id: str | None = None) -> None:
        """An agent going offline, or a restart: their offers go to someone else. Call holding the lock."""
        for offer in await self.pending(agent_id):
            if await self._close(offer.id, OfferOutcome.WITHDRAWN, now):
                self._s.push(
                    offer.agent_id,
                    OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="withdrawn"),
                )

    async def accept(self, agent_id: str, offer_id: str) -> None:
        """The call is placed (the agent's phone rings first) and the ticket becomes the agent's."""
        s = self._s
        async with s.lock:
            offer = await self._own(agent_id, offer_id)
            if not await self._close(offer.id, OfferOutcome.ACCEPTED, s.clock()):
                raise InputError("offer_gone", "This offer has expired or was withdrawn.", 409)
        agent = await s.agent(agent_id)
        try:
            if not await self._callbacks.take(offer.ticket_id, agent):
                await self._callbacks.call_now(offer.ticket_id, agent)
        except InputError:
            # E.g. calling hours ended meanwhile: the request stays in the queue for the next opening.
            s.push(agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="withdrawn"))
            raise
        ticket = await self._tickets.get(offer.ticket_id)
        if ticket.assignee_id is None:  # a retry a colleague takes stays with the ticket's agent
            ticket = await self._tickets.assign(offer.ticket_id, agent, agent)
        s.push(agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="accepted"))
        s.push(
            agent_id,
            NoticeFrame(
                type="notice",
                message=f"Calling back for {reference(ticket.id)}: your phone rings first, then the customer's.",
            ),
        )
        log.info("callback offer accepted", extra={"ticket_id": ticket.id, "agent_id": agent_id})

    async def decline(self, agent_id: str, offer_id: str) -> None:
        s = self._s
        async with s.lock:
            offer = await self._own(agent_id, offer_id)
            await self._close(offer.id, OfferOutcome.DECLINED, s.clock())
            s.push(agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="declined"))
        s.wake.set()

    async def _own(self, agent_id: str, offer_id: str) -> CallbackOffer:
        async with self._s.store.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(callback_offers).where(callback_offers.c.id == offer_id))
            ).first()
        if row is None or row.agent_id != agent_id:
            raise InputError("unknown_offer", "No such offer for you.", 404)
        return CallbackOffer(row.id, row.ticket_id, row.agent_id, row.expires_at)
