"""Tickets at work: created from a waiting contact or by an agent, answered in the customer's own
conversation, and reopened by the customer's reply.

A web customer's conversation stays open while its ticket does (status "ticket"): the team's reply
appears in it, live or on the customer's next visit, and what the customer writes there goes to the
ticket. A phone customer's ticket is a call-back task: it holds the number they called from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from handoff.calling_hours import CallingHours, for_customers
from handoff.events import HandoffFrame
from handoff.store import Agent, Contact
from handoff.ticket_store import Ticket, TicketEvent, TicketFilter, TicketStore, phone_number_of
from handoff.tickets import (
    Clocks,
    Sla,
    TicketKind,
    TicketStatus,
    after_agent_reply,
    after_customer_reply,
    clocks,
    may_move,
    reference,
)
from tandem.config import Settings
from tandem.conversations import MASKED_TEXT, ConversationService
from tandem.metrics import Metrics
from tandem.store import Conversation, ConversationStatus, Message, Sender, Store
from tandem.validation import InputError

log = logging.getLogger(__name__)


def within(seconds: float) -> str:
    """A service level as customers read it: "within 4 hours", "within 2 days"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"within {count} {unit}{'s' if count != 1 else ''}"
    return "within a minute"


def subject_of(contact: Contact, texts: list[str]) -> str:
    """What the ticket is about: the customer's last words before they left it, else why they waited."""
    said = [t for t in texts if t != MASKED_TEXT]
    return (said[-1] if said else contact.explanation or contact.reason)[:200]


class TicketService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        tickets: TicketStore,
        conversations: ConversationService,
        metrics: Metrics,
        clock: Callable[[], float],
    ) -> None:
        self._cfg = settings.handoff
        self._store = store
        self.store = tickets
        self._conversations = conversations
        self._metrics = metrics
        self._clock = clock

    def sla(self, queue: str) -> Sla:
        settings = self._cfg.queues[queue]
        return Sla(settings.first_response_s, settings.resolution_s)

    async def from_waiting_contact(self, contact: Contact, conversation: Conversation, callback: bool) -> str:
        """The customer chose "Leave a message" or "Request a callback" in the queue: the ticket, and what
        they are told about it."""
        number = await phone_number_of(self._store.engine, conversation.id) if callback else None
        kind = TicketKind.CALLBACK if number else TicketKind.MESSAGE
        if conversation.channel == "phone" and number:
            kind = TicketKind.CALLBACK  # a caller's message is answered by calling back
        ticket = await self._create(contact, conversation, kind, number)
        sla = within(self._cfg.queues[contact.queue].first_response_s)
        ref = reference(ticket.id)
        if kind is TicketKind.CALLBACK:
            hours = self._cfg.callbacks.calling_hours
            when = f"{sla}, {for_customers(CallingHours.from_settings(hours))}" if hours else sla
            return f"Thanks. A colleague will call you back on the number ending {number[-3:]} {when} (your reference {ref})."  # type: ignore[index]
        if conversation.channel == "phone":
            return f"Thanks. Your request is with our team as {ref}; we could not see your number, so please call us again or write to us in our chat."
        instead = (
            "We don't hold a phone number for you, so our team will answer here instead. " if callback else ""
        )
        return (
            f"Thanks. {instead}Your message is with our team as {ref}, and they'll reply in this chat {sla}. "
            "You can add anything else below, or close this window: the reply will be here when you come back."
        )

    async def from_agent(self, contact: Contact, agent: Agent) -> Ticket:
        """An agent's "Create ticket" on a contact they work: follow-up work after the live conversation."""
        conversation = await self._store.get_conversation(contact.conversation_id)
        if conversation is None:
            raise InputError("unknown_conversation", "No such conversation.", 404)
        number = await phone_number_of(self._store.engine, conversation.id)
        kind = TicketKind.CALLBACK if conversation.channel == "phone" and number else TicketKind.MESSAGE
        return await self._create(contact, conversation, kind, number, agent.id)

    async def _create(
        self,
        contact: Contact,
        conversation: Conversation,
        kind: TicketKind,
        number: str | None,
        agent_id: str | None = None,
    ) -> Ticket:
        started = self._clock()
        texts = [m.text for m in await self._store.transcript(conversation.id) if m.sender == Sender.CUSTOMER]
        ticket = await self.store.create(
            conversation_id=conversation.id, contact_id=contact.id, kind=kind, channel=conversation.channel,
            queue=contact.queue, priority=contact.priority, subject=subject_of(contact, texts),
            callback_number=number, context=contact.context, sla=self.sla(contact.queue), now=started,
            agent_id=agent_id,
        )  # fmt: skip
        self._metrics.tickets_created.labels(ticket.queue, ticket.kind).inc()
        log.info("ticket created", extra={"ticket_id": ticket.id, "kind": str(kind), "queue": ticket.queue})
        return ticket

    async def customer_wrote(self, conversation: Conversation, message: Message) -> None:
        """A message in a conversation waiting on its ticket: the team has the next word."""
        ticket = await self.store.open_for_conversation(conversation.id)
        if ticket is None:
            return
        await self.store.record(
            ticket, "customer_reply", message.text, self._clock(), status=after_customer_reply(ticket.status)
        )

    async def point_to_waiting(self, conversation: Conversation, customer_id: str) -> None:
        """A web customer just proved who they are in a new chat, perhaps on another device: their earlier
        conversation that waits on the team is named there, for them to open, read the reply and answer."""
        waiting = await self._store.awaiting_team(customer_id, "web")
        if waiting is None or waiting.id == conversation.id:
            return
        ticket = await self.store.open_for_conversation(waiting.id)
        if ticket is None:
            return
        if ticket.status is TicketStatus.PENDING_CUSTOMER:
            text = f"Our team has answered your message {reference(ticket.id)}. Open it to read their reply and answer."
        else:
            text = f"Your message {reference(ticket.id)} is with our team; their reply will appear there."
        await self._conversations.say(
            conversation, Sender.SYSTEM, text, {"continue_conversation": waiting.id}
        )

    async def reply(self, ticket_id: int, agent: Agent, text: str) -> Ticket:
        ticket = await self.get(ticket_id)
        if ticket.status is TicketStatus.CLOSED:
            raise InputError("ticket_closed", "This ticket is closed.", 409)
        if ticket.channel != "web":
            raise InputError(
                "reply_by_phone",
                "This customer called: call them back, then note the call on the ticket.",
                409,
            )
        conversation = await self._store.get_conversation(ticket.conversation_id)
        if conversation is None:
            raise InputError("unknown_conversation", "No such conversation.", 404)
        now = self._clock()
        if await self._store.status(conversation.id) == ConversationStatus.CLOSED:
            await self._store.reopen(conversation.id, ConversationStatus.TICKET)
        await self._conversations.say(
            conversation, Sender.AGENT, text, {"agent": agent.display_name, "ticket": reference(ticket.id)}
        )
        self._conversations.events.publish(conversation.id, HandoffFrame(type="handoff", status="ticket"))
        changes: dict[str, Any] = {"status": after_agent_reply(ticket.status)}
        if ticket.first_response_at is None:
            changes["first_response_at"] = now
        if ticket.assignee_id is None:
            changes["assignee_id"] = agent.id
        return await self.store.record(ticket, "reply", text, now, agent.id, **changes)

    async def note(self, ticket_id: int, agent: Agent, text: str) -> Ticket:
        """Agents only: never shown to the customer."""
        ticket = await self.get(ticket_id)
        return await self.store.record(ticket, "note", text, self._clock(), agent.id)

    async def assign(self, ticket_id: int, agent: Agent, assignee: Agent | None) -> Ticket:
        ticket = await self.get(ticket_id)
        name = assignee.display_name if assignee else "nobody"
        return await self.store.record(
            ticket, "assigned", name, self._clock(), agent.id, assignee_id=assignee.id if assignee else None
        )

    async def set_status(self, ticket_id: int, agent: Agent, status: TicketStatus) -> Ticket:
        ticket = await self.get(ticket_id)
        if not may_move(ticket.status, status):
            raise InputError("invalid_status", f"A {ticket.status} ticket cannot become {status}.", 409)
        now = self._clock()
        changes: dict[str, Any] = {"status": status}
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
            changes["resolved_at"] = now
        if status is TicketStatus.OPEN:
            changes["resolved_at"] = None
        updated = await self.store.record(ticket, "status", str(status), now, agent.id, **changes)
        conversation = await self._store.get_conversation(ticket.conversation_id)
        if conversation is not None and ticket.channel == "web" and status is TicketStatus.CLOSED:
            await self._conversations.close(
                conversation, {"reason": "ticket_closed", "ticket": reference(ticket.id)}
            )
        return updated

    async def get(self, ticket_id: int) -> Ticket:
        ticket = await self.store.get(ticket_id)
        if ticket is None:
            raise InputError("unknown_ticket", "No such ticket.", 404)
        return ticket

    async def history(self, ticket_id: int) -> list[TicketEvent]:
        return await self.store.events(ticket_id)

    async def transcript(self, conversation_id: str) -> list[Message]:
        return await self._store.transcript(conversation_id)

    async def search(self, where: TicketFilter) -> list[Ticket]:
        """Most urgent first: the nearest running SLA clock, overdue ones on top; settled ones last."""
        now = self._clock()
        found = await self.store.search(where)

        def urgency(ticket: Ticket) -> tuple[int, float]:
            due = self.clocks(ticket, now).next_due_s
            return (1, 0.0) if due is None else (0, due)

        return sorted(found, key=urgency)

    def clocks(self, ticket: Ticket, now: float | None = None) -> Clocks:
        return clocks(
            ticket.first_response_due, ticket.resolution_due, ticket.first_response_at, ticket.resolved_at,
            self._clock() if now is None else now,
        )  # fmt: skip

    async def summary(self) -> dict[str, Any]:
        """Per queue: tickets by status, overdue ones, and the average first response and resolution
        times. Sets the Prometheus gauges too."""
        now = self._clock()
        queues: dict[str, dict[str, Any]] = {
            name: {"by_status": {str(s): 0 for s in TicketStatus}, "breached": 0, "first_response": [], "resolution": []}
            for name in self._cfg.queues
        }  # fmt: skip
        for ticket in await self.store.search(TicketFilter(), limit=1_000_000):
            queue = queues.setdefault(ticket.queue, {"by_status": {str(s): 0 for s in TicketStatus}, "breached": 0,
                                                     "first_response": [], "resolution": []})  # fmt: skip
            queue["by_status"][str(ticket.status)] += 1
            if ticket.status is not TicketStatus.CLOSED and self.clocks(ticket, now).breached:
                queue["breached"] += 1
            if ticket.first_response_at is not None:
                queue["first_response"].append(ticket.first_response_at - ticket.created_at)
            if ticket.resolved_at is not None:
                queue["resolution"].append(ticket.resolved_at - ticket.created_at)
        result = {}
        for name, queue in queues.items():
            for status, count in queue["by_status"].items():
                self._metrics.tickets.labels(name, status).set(count)
            self._metrics.tickets_breached.labels(name).set(queue["breached"])
            result[name] = {
                "by_status": queue["by_status"],
                "backlog": queue["by_status"]["open"] + queue["by_status"]["pending_customer"],
                "breached": queue["breached"],
                "first_response_avg_s": _average(queue["first_response"]),
                "resolution_avg_s": _average(queue["resolution"]),
            }
        return result


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
