"""What the desks see: contacts, offers and agents as JSON, pushed as they change; and the one
transition that takes a contact off an agent's desk."""

from __future__ import annotations

from typing import Any

from handoff import routing
from handoff.events import AgentFrame, ContactFrame, ContactRemovedFrame
from handoff.load import AgentLoad
from handoff.notes import notes_on
from handoff.state import HandoffState, iso
from handoff.store import Contact, OfferRecord
from tandem.store import ConversationStatus


class Views:
    def __init__(self, state: HandoffState, load: AgentLoad) -> None:
        self._s = state
        self._load = load

    async def contact_view(self, contact: Contact, transcript: bool = True) -> dict[str, Any]:
        status = await self._s.store.status(contact.conversation_id)
        view: dict[str, Any] = {
            "id": contact.id,
            "conversation_id": contact.conversation_id,
            "channel": contact.channel,
            "queue": contact.queue,
            "priority": contact.priority,
            "reason": contact.reason,
            "status": contact.status,
            "enqueued_at": iso(contact.enqueued_at),
            "answered_at": iso(contact.answered_at),
            "customer_present": status != ConversationStatus.CLOSED,
            "context": contact.context,
        }
        if transcript:
            messages = [m.to_json() for m in await self._s.store.transcript(contact.conversation_id)]
            # Desks only: the agents' private notes, which the desk shows in the transcript at their time.
            notes = [n.as_message() for n in await notes_on(self._s.store.engine, contact.conversation_id)]
            view["transcript"] = messages + notes
        return view

    async def offer_view(self, offer: OfferRecord, contact: Contact | None = None) -> dict[str, Any]:
        contact = contact or await self._s.contacts.contact(offer.contact_id)
        return {
            "id": offer.id,
            "contact": await self.contact_view(contact) if contact else None,
            "expires_at": iso(offer.expires_at),
            "timeout_s": self._s.cfg.offer_timeout_s,
            # The desk counts down from this, not its own clock, which may be off.
            "server_time": iso(self._s.clock()),
        }

    async def push_contact(self, contact_id: str) -> None:
        contact = await self._s.contacts.contact(contact_id)
        if contact and contact.agent_id:
            self._s.push(
                contact.agent_id, ContactFrame(type="contact", contact=await self.contact_view(contact))
            )

    async def push_agent(self, agent_id: str | None) -> None:
        if agent_id:
            self._s.push(agent_id, AgentFrame(type="agent", agent=await self._load.agent_json(agent_id)))

    async def release(
        self,
        contact: Contact,
        now: float,
        conversation_status: ConversationStatus | None = None,
        **fields: Any,
    ) -> None:
        """The contact leaves its agent (closed, handed back, transferred or requeued): store it, drop
        it from the working map, free the agent and refresh their desk. Call holding the lock."""
        await self._s.contacts.update_contact(contact.id, conversation_status, **fields)
        self._s.working.end(contact.conversation_id)
        if contact.agent_id:
            await self._load.agent_freed(contact.agent_id, now)
            self._s.push(contact.agent_id, ContactRemovedFrame(type="contact_removed", contact_id=contact.id))
            await self.push_agent(contact.agent_id)


def waiting(contact: Contact, offered: set[str]) -> routing.WaitingContact:
    # A transfer to a named colleague (DeskCommands.transfer) holds the contact for them a while.
    named = contact.context.get("transferred_to") or {}
    return routing.WaitingContact(
        id=contact.id,
        queue=contact.queue,
        channel=contact.channel,
        priority=contact.priority,
        enqueued_at=contact.enqueued_at,
        declined_by=frozenset(contact.declined_by),
        offered=contact.id in offered,
        preferred_agent=named.get("agent_id"),
        reserved_until=float(named.get("until", 0.0)),
    )
