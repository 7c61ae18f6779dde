"""What the handoff's parts share: the stores, one lock, the router's wake-up, the working map, the
desks' event hub and the clock; and the lookups that fail with a clear error.

Locking: one lock orders routing and agents' actions, so an offer never races its accept. It is never
held while a conversation's lock is taken (the conversation core calls in here holding that one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from handoff.events import DeskFrame, OfferClosedFrame
from handoff.store import Agent, Contact, ContactStatus, HandoffStore, OfferOutcome, OfferRecord
from handoff.working import WorkingMap
from tandem.config import HandoffSettings
from tandem.conversations import ConversationService
from tandem.events import EventHub
from tandem.logs import conversation_id_var
from tandem.metrics import Metrics
from tandem.store import Conversation, Store
from tandem.validation import InputError


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


@dataclass(eq=False)
class HandoffState:
    cfg: HandoffSettings
    store: Store
    contacts: HandoffStore
    conversations: ConversationService
    metrics: Metrics
    clock: Callable[[], float]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Live desk connections, keyed by agent id; one agent may have several tabs open.
    desks: EventHub = field(default_factory=EventHub)
    # Supervisors monitoring a contact (handoff/monitoring.py), keyed by contact id: what its agent's desk
    # gets about it. Apart from `desks`, whose subscribers say whether an agent is at their desk.
    monitors: EventHub = field(default_factory=EventHub)
    working: WorkingMap = field(default_factory=WorkingMap)
    _background: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    def push(self, agent_id: str, frame: DeskFrame) -> None:
        self.desks.publish(agent_id, frame)
        about = frame.get("contact_id") or (frame.get("contact") or {}).get("id")
        if about:
            self.monitors.publish(str(about), frame)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def load_working(self) -> list[Contact]:
        """The working map filled from the store's active contacts; returns those with an agent."""
        assigned = [c for c in await self.contacts.contacts_in([ContactStatus.ACTIVE]) if c.agent_id]
        for contact in assigned:
            self.working.known(contact.conversation_id, contact.id, str(contact.agent_id))
        return assigned

    async def agent(self, agent_id: str) -> Agent:
        agent = await self.contacts.agent(agent_id)
        if agent is None:
            raise InputError("unknown_agent", "No such agent.", 404)
        return agent

    async def conversation(self, conversation_id: str) -> Conversation:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise InputError("unknown_conversation", "No such conversation.", 404)
        conversation_id_var.set(conversation.id)
        return conversation

    async def own_offer(self, agent_id: str, offer_id: str) -> OfferRecord:
        offer = await self.contacts.offer(offer_id)
        if offer is None or offer.agent_id != agent_id:
            raise InputError("unknown_offer", "No such offer for you.", 404)
        return offer

    async def own_contact(self, agent_id: str, contact_id: str, status: ContactStatus) -> Contact:
        contact = await self.contacts.contact(contact_id)
        if contact is None or contact.agent_id != agent_id:
            raise InputError("unknown_contact", "No such conversation among yours.", 404)
        if contact.status != status:
            raise InputError("wrong_status", f"The conversation is {contact.status}, not {status}.", 409)
        return contact

    async def record_decline(self, contact_id: str, agent_id: str) -> None:
        contact = await self.contacts.contact(contact_id)
        if contact and agent_id not in contact.declined_by:
            await self.contacts.update_contact(contact_id, declined_by=[*contact.declined_by, agent_id])

    async def withdraw_offers(
        self, now: float, *, contact_id: str | None = None, agent_id: str | None = None
    ) -> None:
        """Close the pending offers of a contact (or of an agent) and tell the desks showing them."""
        for offer in await self.contacts.pending_offers(agent_id):
            if contact_id is not None and offer.contact_id != contact_id:
                continue
            if await self.contacts.close_offer(offer.id, OfferOutcome.WITHDRAWN, now):
                self.push(
                    offer.agent_id,
                    OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="withdrawn"),
                )
