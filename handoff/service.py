"""The human side of Tandem: deciding to escalate, queueing, offering to agents, and agents' actions.

Everything that must survive a restart (contacts, offers, agents' states) is in the store; in memory
are only the live desk connections and which agent works which conversation, both rebuilt at start.

Locking: one lock orders routing and agents' actions, so an offer never races its accept. It is never
held while a conversation's lock is taken (the conversation core calls in here holding that one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff import routing
from handoff.callback_service import CallbackService
from handoff.context import build_context, sentiment_timeline
from handoff.csat import bot_resolved, csat_summary, had_contact
from handoff.desks import DeskHub
from handoff.floor import CHOSEN_STATES, effective_state, handoff_message, position_message, queue_for
from handoff.policy import REPORT_FRAUD_INTENT, CustomerTurn, Decision, Signals, decide, urgent_reasons
from handoff.sentiment import SentimentScorer
from handoff.stats import AgentLine, floor_stats
from handoff.store import (
    WORKING_STATUSES,
    Agent,
    Contact,
    ContactStatus,
    HandoffStore,
    OfferOutcome,
    OfferRecord,
)
from handoff.ticket_service import TicketService
from handoff.ticket_store import TicketStore
from tandem.bot_client import BotClient, BotTurn, BotUnavailable
from tandem.config import Settings
from tandem.conversations import MASKED_TEXT, ConversationService
from tandem.knowledge import KnowledgeState
from tandem.logs import conversation_id_var
from tandem.metrics import Metrics
from tandem.store import Conversation, ConversationStatus, Message, Sender, Store
from tandem.validation import InputError

log = logging.getLogger(__name__)

TICK_S = 0.5
TICKET_GAUGES_S = 10.0
CSAT_WINDOW = timedelta(days=30)
# Buttons a customer gets once the wait passes the queue's maximum.
KEEP_WAITING, TICKET, CALLBACK = "/handoff_keep_waiting", "/handoff_ticket", "/handoff_callback"
ALTERNATIVES = [
    {"title": "Keep waiting", "payload": KEEP_WAITING},
    {"title": "Leave a message", "payload": TICKET},
    {"title": "Request a callback", "payload": CALLBACK},
]
VERIFIED_IDENTITY = "bank"


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def _policy_turn(message: Message) -> CustomerTurn:
    """An answer to a form's question (an account number, "yes") is not a failed turn, whatever the
    NLU made of it: the form took it as a slot value."""
    data = message.data or {}
    # Money gone ends the form (the bot's report_fraud rules): it was no answer.
    understood_as_answer = "answering" in data and message.intent != REPORT_FRAUD_INTENT
    return CustomerTurn(
        message.text,
        None if understood_as_answer else message.intent,
        None if understood_as_answer else message.confidence,
        float(data.get("sentiment", 0.0)),
        masked=bool(data.get("masked")),
        hidden_cues=frozenset(data.get("cues", ())),
    )


class HandoffService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        contacts: HandoffStore,
        conversations: ConversationService,
        bot: BotClient,
        knowledge: KnowledgeState,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cfg = settings.handoff
        self._secret_slots = settings.privacy.secret_slots
        self._top_k = settings.knowledge.top_k
        self._store = store
        self.contacts = contacts
        self._conversations = conversations
        self._bot = bot
        self._knowledge = knowledge
        self._metrics = metrics
        self._clock = clock
        self.tickets = TicketService(
            settings, store, TicketStore(store.engine), conversations, metrics, clock
        )  # fmt: skip
        self.callbacks = CallbackService(
            settings.handoff.callbacks, store, contacts, self.tickets, conversations, clock
        )  # fmt: skip
        self.desks = DeskHub()
        self._sentiment = SentimentScorer(neutral_texts=[MASKED_TEXT])
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        # conversation id -> (contact id, agent id) for contacts an agent is working on.
        self._working: dict[str, tuple[str, str]] = {}
        self._background: set[asyncio.Task[None]] = set()
        conversations.events.listeners.append(self._on_conversation_event)

    # The conversation core's hooks

    def message_data(self, text: str, secret: bool) -> dict[str, Any] | None:
        """Annotations stored with a customer message: its sentiment; for a secret answer, which will be
        masked, only the urgent reasons its words show (no words, no score): "my husband died, it's his
        card" typed when the account number was asked must still reach a person first."""
        if text == MASKED_TEXT:
            return None
        if secret:
            cues = urgent_reasons(text)
            return {"cues": list(cues)} if cues else None
        return {"sentiment": round(self._sentiment.score(text), 4)}

    async def after_bot_turn(self, conversation: Conversation, turn: BotTurn | None) -> None:
        """Run the policy after every customer turn in the bot's hands (turn is None: the bot was down)."""
        slots = turn.slots if turn else {}
        if turn and slots.get("verified_customer_id"):
            await self._link_verified_customer(conversation, slots)
        turns = await self._turns_since_last_handoff(conversation.id)
        tier = slots.get("customer_tier") or await self._store.customer_tier(conversation.customer_id)
        signals = Signals(
            turns=turns,
            handoff_requested=bool(slots.get("handoff_requested")),
            flow_failed=slots.get("verification_status") == "locked",
            # With nobody signed in, the customer's messages wait for the bot to return instead.
            bot_down=turn is None and await self._staffed(),
            tier=str(tier),
        )
        decision = decide(signals, self._cfg.escalation)
        log.info(
            "escalation decision",
            # Not the explanation: it quotes what the customer said.
            extra={"escalate": decision.escalate, "reason": decision.reason, "priority": decision.priority},
        )
        if decision.escalate:
            await self.escalate(conversation, decision, slots)

    async def customer_message(self, conversation: Conversation, message: Message) -> None:
        """A customer message while queued or with an agent (the bot does not see it)."""
        contact = await self.contacts.open_contact_for(conversation.id)
        if contact is None:
            if await self._store.status(conversation.id) == ConversationStatus.TICKET:
                await self.tickets.customer_wrote(conversation, message)
            return
        payload = (message.data or {}).get("payload")
        if contact.status == ContactStatus.QUEUED and payload in (TICKET, CALLBACK, KEEP_WAITING):
            await self._alternative_chosen(contact, conversation, payload)
        elif contact.status == ContactStatus.ACTIVE and contact.agent_id and message.text != MASKED_TEXT:
            self._spawn(self._push_suggestions(contact, message.text))

    async def conversation_closed(self, conversation: Conversation) -> None:
        """The customer left or hung up: an unanswered contact is abandoned; an agent's goes to wrap-up."""
        reason = str((await self._store.outcome(conversation.id) or {}).get("reason", ""))
        resolved = bot_resolved(
            await had_contact(self._store.engine, conversation.id), await self._store.awaiting_slot(conversation.id), reason
        )  # fmt: skip
        await self._store.set_outcome_field(conversation.id, "bot_resolved", resolved)
        async with self._lock:
            contact = await self.contacts.open_contact_for(conversation.id)
            if contact is None:
                return
            now = self._clock()
            if contact.status == ContactStatus.QUEUED:
                await self._withdraw_offers(contact.id, now)
                await self.contacts.update_contact(
                    contact.id, status=ContactStatus.ABANDONED, ended_at=now, closed_at=now
                )
                self._metrics.handoff_abandoned.labels(contact.queue).inc()
                log.info("queued contact abandoned", extra={"contact_id": contact.id})
            elif contact.status == ContactStatus.ACTIVE:
                await self.contacts.update_contact(contact.id, status=ContactStatus.WRAP_UP, ended_at=now)
                await self._push_contact(contact.id)
                await self._push_agent(contact.agent_id)
            self._wake.set()

    # Escalation

    async def escalate(
        self, conversation: Conversation, decision: Decision, slots: dict[str, Any]
    ) -> Contact:
        transcript = await self._store.transcript(conversation.id)
        intents = [m.intent for m in transcript if m.sender == Sender.CUSTOMER and m.intent]
        queue = queue_for(decision.reason, intents, self._cfg)
        customer_texts = [m.text for m in transcript if m.sender == Sender.CUSTOMER and m.text != MASKED_TEXT]
        now = self._clock()
        # Verification may have moved the conversation to another customer since `conversation` was read.
        customer_id = await self._store.conversation_customer(conversation.id)
        context = build_context(
            profile=await self._store.customer_profile(customer_id),
            channel=conversation.channel,
            transcript=transcript,
            slots=slots,
            secret_slots=self._secret_slots,
            decision=decision,
            decided_at=iso(now) or "",
            sentiment_window=self._cfg.escalation.sentiment_window,
            suggestions=await self._suggestions(" ".join(customer_texts[-3:])),
        )
        async with self._lock:
            contact = await self.contacts.enqueue(
                conversation_id=conversation.id,
                channel=conversation.channel,
                queue=queue,
                priority=decision.priority,
                reason=str(decision.reason),
                explanation=decision.explanation,
                context=context,
                now=now,
            )
        self._metrics.escalations.labels(str(decision.reason)).inc()
        log.info("escalated", extra={"contact_id": contact.id, "queue": queue, "reason": decision.reason})
        await self._conversations.say(conversation, Sender.SYSTEM, handoff_message(queue))
        self._conversations.events.publish(
            conversation.id, {"type": "handoff", "status": "queued", "queue": queue}
        )
        async with self._lock:
            queued = await self.contacts.contacts_in([ContactStatus.QUEUED])
            await self._announce_positions([contact], queued, await self._agent_views(), now)
        self._wake.set()
        return contact

    async def _turns_since_last_handoff(self, conversation_id: str) -> tuple[CustomerTurn, ...]:
        """The customer's turns the policy weighs: those since an agent last handed back to the bot, so
        an angry start the agent has dealt with does not send the customer straight back."""
        since = await self.contacts.last_closed_at(conversation_id)
        return tuple(
            _policy_turn(m)
            for m in await self._store.transcript(conversation_id)
            if m.sender == Sender.CUSTOMER and (since is None or m.created_at.timestamp() > since)
        )

    async def _link_verified_customer(self, conversation: Conversation, slots: dict[str, Any]) -> None:
        survivor = await self._store.link_customer(
            conversation.id,
            VERIFIED_IDENTITY,
            str(slots["verified_customer_id"]),
            slots.get("customer_first_name"),
            slots.get("customer_tier"),
        )
        if survivor != conversation.customer_id:
            log.info("customer linked across channels", extra={"customer_id": survivor})

    # The router

    async def run(self) -> None:
        """Route forever: every tick, or at once when something changed."""
        await self._recover()
        tickets_counted = 0.0
        while True:
            try:
                await self.tick()
                if self._clock() - tickets_counted >= TICKET_GAUGES_S:  # SLA clocks run without events
                    tickets_counted = self._clock()
                    await self.tickets.summary()
                    await csat_summary(self._store.engine, datetime.now(UTC) - CSAT_WINDOW, self._metrics)
            except Exception:  # The router must outlive any one failure, or nobody is ever answered.
                log.exception("routing tick failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)
            self._wake.clear()

    async def _recover(self) -> None:
        """After a restart no desk is connected: start the agents' grace period, withdraw offers."""
        now = self._clock()
        async with self._lock:
            for offer in await self.contacts.pending_offers():
                await self.contacts.close_offer(offer.id, OfferOutcome.WITHDRAWN, now)
            for contact in await self.contacts.contacts_in([ContactStatus.ACTIVE]):
                if contact.agent_id:
                    self._working[contact.conversation_id] = (contact.id, contact.agent_id)
                    # The grace period starts now: the agents could not reconnect while we were down.
                    await self.contacts.update_contact(contact.id, agent_lost_at=now)

    async def tick(self) -> None:
        async with self._lock:
            now = self._clock()
            await self._expire_offers(now)
            await self._requeue_lost(now)
            pending = await self.contacts.pending_offers()
            agents = await self._agent_views(pending)
            queued = await self.contacts.contacts_in([ContactStatus.QUEUED])
            offered = {o.contact_id for o in pending}
            waiting = [self._waiting(c, offered) for c in queued]
            planned = routing.plan_offers(waiting, agents, self._cfg.queues, now)
            by_id = {c.id: c for c in queued}
            for offer in planned:
                await self._make_offer(by_id[offer.contact_id], offer.agent_id, now)
            just_offered = {offer.contact_id for offer in planned}
            due = [
                c
                for c in queued
                if c.id not in just_offered
                and (c.announced_at is None or now - c.announced_at >= self._cfg.position_update_s)
            ]
            if due:
                await self._announce_positions(due, queued, agents, now)
            for contact in queued:
                await self._offer_alternatives_after_max_wait(contact, now)

    async def _make_offer(self, contact: Contact, agent_id: str, now: float) -> None:
        offer = await self.contacts.create_offer(contact.id, agent_id, now, now + self._cfg.offer_timeout_s)
        self._metrics.handoff_offer_seconds.observe(max(0.0, now - contact.enqueued_at))
        self.desks.push(offer.agent_id, {"type": "offer", "offer": await self._offer_view(offer, contact)})
        log.info("offered", extra={"contact_id": contact.id, "agent_id": offer.agent_id})

    async def _expire_offers(self, now: float) -> None:
        for offer in await self.contacts.pending_offers():
            if offer.expires_at > now:
                continue
            await self.contacts.close_offer(offer.id, OfferOutcome.EXPIRED, now)
            await self._record_decline(offer.contact_id, offer.agent_id)
            self._metrics.handoff_offers.labels(OfferOutcome.EXPIRED).inc()
            self.desks.push(
                offer.agent_id, {"type": "offer_closed", "offer_id": offer.id, "outcome": "expired"}
            )
            # An agent who misses an offer is probably not at the desk: stop offering them work.
            await self.contacts.set_agent_state(offer.agent_id, routing.AWAY, now, idle=False)
            await self._push_agent(offer.agent_id)

    async def _requeue_lost(self, now: float) -> None:
        """Contacts whose agent's desk has been gone longer than the grace period go back to the queue,
        keeping their place (their original enqueue time)."""
        for contact in await self.contacts.contacts_in([ContactStatus.ACTIVE]):
            if contact.agent_lost_at is None or now - contact.agent_lost_at < self._cfg.reconnect_grace_s:
                continue
            await self.contacts.update_contact(
                contact.id,
                ConversationStatus.QUEUED,
                status=ContactStatus.QUEUED,
                agent_id=None,
                agent_lost_at=None,
                announced_at=None,
            )
            self._working.pop(contact.conversation_id, None)
            if contact.agent_id:
                await self.contacts.set_agent_state(contact.agent_id, routing.OFFLINE, now, idle=False)
            conversation = await self._store.get_conversation(contact.conversation_id)
            if conversation:
                await self._conversations.say(
                    conversation,
                    Sender.SYSTEM,
                    "Sorry, your colleague was disconnected. You're back at the front of the queue.",
                )
                self._conversations.events.publish(conversation.id, {"type": "handoff", "status": "queued"})
            log.warning("agent lost; contact requeued", extra={"contact_id": contact.id})

    async def _offer_alternatives_after_max_wait(self, contact: Contact, now: float) -> None:
        queue = self._cfg.queues[contact.queue]
        if contact.alternatives_offered or now - contact.enqueued_at < queue.max_wait_s:
            return
        conversation = await self._store.get_conversation(contact.conversation_id)
        if conversation:
            await self._conversations.say(
                conversation,
                Sender.SYSTEM,
                "Sorry for the long wait. You can keep waiting, leave a message for our team to "
                "answer, or ask us to call you back.",
                {"buttons": ALTERNATIVES},
            )
        await self.contacts.update_contact(contact.id, alternatives_offered=True)

    async def _announce_positions(
        self, due: list[Contact], queued: list[Contact], agents: list[routing.AgentView], now: float
    ) -> None:
        """Tell these customers their place and expected wait; positions are computed once for all."""
        positions = routing.queue_positions([self._waiting(c, set()) for c in queued], self._cfg.queues)
        handle_s = await self._average_handle_s()
        for contact in due:
            position = positions.get(contact.id)
            if position is None:
                continue
            staffed = routing.staffed_agents(agents, self._cfg.queues[contact.queue])
            expected = routing.expected_wait_s(position, staffed, handle_s)
            conversation = await self._store.get_conversation(contact.conversation_id)
            if conversation:
                await self._conversations.say(
                    conversation,
                    Sender.SYSTEM,
                    position_message(position, expected, staffed),
                    {
                        "queue_position": position,
                        "expected_wait_s": round(expected),
                        # Nobody to wait for: the ways out are offered at once.
                        **({"buttons": ALTERNATIVES} if staffed == 0 else {}),
                    },
                )
            await self.contacts.update_contact(contact.id, announced_at=now)

    async def _alternative_chosen(self, contact: Contact, conversation: Conversation, payload: str) -> None:
        if payload == KEEP_WAITING:
            await self._conversations.say(
                conversation, Sender.SYSTEM, "Thanks for waiting; you keep your place."
            )
            return
        status = ContactStatus.TICKET if payload == TICKET else ContactStatus.CALLBACK
        async with self._lock:
            now = self._clock()
            await self._withdraw_offers(contact.id, now)
            text = await self.tickets.from_waiting_contact(
                contact, conversation, callback=payload == CALLBACK
            )
            # A web customer keeps the conversation: the team's answer comes into it.
            staying = conversation.channel == "web"
            await self.contacts.update_contact(
                contact.id,
                ConversationStatus.TICKET if staying else None,
                status=status,
                ended_at=now,
                closed_at=now,
            )
        await self._conversations.say(conversation, Sender.SYSTEM, text)
        if staying:
            self._conversations.events.publish(conversation.id, {"type": "handoff", "status": "ticket"})
            return
        # Closing takes the conversation's lock, which the customer's message being handled holds.
        self._spawn(self._conversations.close(conversation, {"reason": str(status), "queue": contact.queue}))

    # Agents' desks

    async def desk_connected(self, agent: Agent) -> dict[str, Any]:
        """The hello a desk gets on every (re)connect: its agent's whole current work."""
        async with self._lock:
            for contact in await self.contacts.contacts_in([ContactStatus.ACTIVE], agent.id):
                if contact.agent_lost_at is not None:
                    await self.contacts.update_contact(contact.id, agent_lost_at=None)
            work = await self.contacts.contacts_in(WORKING_STATUSES, agent.id)
            offers = await self.contacts.pending_offers(agent.id)
            hello = {
                "type": "hello",
                "agent": await self._agent_json(agent.id),
                "contacts": [await self._contact_view(c) for c in work],
                "offers": [await self._offer_view(o) for o in offers],
                "queues": sorted(self._cfg.queues),
                "dispositions": list(self._cfg.dispositions),
                "server_time": iso(self._clock()),
            }
        self._wake.set()
        return hello

    async def desk_disconnected(self, agent_id: str) -> None:
        if self.desks.connected(agent_id):
            return
        async with self._lock:
            now = self._clock()
            for contact in await self.contacts.contacts_in([ContactStatus.ACTIVE], agent_id):
                await self.contacts.update_contact(contact.id, agent_lost_at=now)
            for offer in await self.contacts.pending_offers(agent_id):
                await self.contacts.close_offer(offer.id, OfferOutcome.WITHDRAWN, now)
        self._wake.set()

    async def set_state(self, agent_id: str, state: str) -> None:
        if state not in CHOSEN_STATES:
            raise InputError("invalid_state", f"state must be one of {sorted(CHOSEN_STATES)}.")
        async with self._lock:
            agent = await self._agent(agent_id)
            now = self._clock()
            becoming_free = state == routing.AVAILABLE and agent.state != routing.AVAILABLE
            await self.contacts.set_agent_state(agent_id, state, now, idle=becoming_free)
            if state == routing.OFFLINE:
                for offer in await self.contacts.pending_offers(agent_id):
                    await self.contacts.close_offer(offer.id, OfferOutcome.WITHDRAWN, now)
                    self.desks.push(
                        agent_id, {"type": "offer_closed", "offer_id": offer.id, "outcome": "withdrawn"}
                    )
            await self._push_agent(agent_id)
        self._wake.set()

    async def accept(self, agent_id: str, offer_id: str) -> None:
        async with self._lock:
            offer = await self._own_offer(agent_id, offer_id)
            now = self._clock()
            if not await self.contacts.close_offer(offer.id, OfferOutcome.ACCEPTED, now):
                raise InputError("offer_gone", "This offer has expired or was withdrawn.", 409)
            contact = await self.contacts.contact(offer.contact_id)
            if contact is None or contact.status != ContactStatus.QUEUED:
                raise InputError("offer_gone", "The customer is no longer waiting.", 409)
            await self.contacts.update_contact(
                contact.id,
                ConversationStatus.AGENT,
                status=ContactStatus.ACTIVE,
                agent_id=agent_id,
                answered_at=contact.answered_at or now,
                agent_lost_at=None,
            )
            self._working[contact.conversation_id] = (contact.id, agent_id)
            self._metrics.handoff_offers.labels(OfferOutcome.ACCEPTED).inc()
            self._metrics.handoff_answer_seconds.labels(contact.queue).observe(now - contact.enqueued_at)
            self.desks.push(agent_id, {"type": "offer_closed", "offer_id": offer.id, "outcome": "accepted"})
            await self._push_contact(contact.id)
            await self._push_agent(agent_id)
            agent = await self._agent(agent_id)
        conversation = await self._conversation(contact.conversation_id)
        await self._conversations.say(
            conversation, Sender.SYSTEM, f"{agent.display_name} from our team has joined the conversation."
        )
        self._conversations.events.publish(
            conversation.id,
            {
                "type": "handoff",
                "status": "agent",
                "agent": {"display_name": agent.display_name, "sip_uri": agent.sip_uri},
            },
        )
        log.info("offer accepted", extra={"contact_id": contact.id, "agent_id": agent_id})

    async def decline(self, agent_id: str, offer_id: str) -> None:
        async with self._lock:
            offer = await self._own_offer(agent_id, offer_id)
            if await self.contacts.close_offer(offer.id, OfferOutcome.DECLINED, self._clock()):
                await self._record_decline(offer.contact_id, agent_id)
                self._metrics.handoff_offers.labels(OfferOutcome.DECLINED).inc()
            self.desks.push(agent_id, {"type": "offer_closed", "offer_id": offer.id, "outcome": "declined"})
        self._wake.set()

    async def send(self, agent_id: str, contact_id: str, text: str) -> None:
        contact = await self._own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
        agent = await self._agent(agent_id)
        conversation = await self._conversation(contact.conversation_id)
        await self._conversations.say(conversation, Sender.AGENT, text, {"agent": agent.display_name})

    async def end(self, agent_id: str, contact_id: str) -> None:
        async with self._lock:
            contact = await self._own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            await self.contacts.update_contact(
                contact.id, status=ContactStatus.WRAP_UP, ended_at=self._clock()
            )
            await self._push_contact(contact.id)
            await self._push_agent(agent_id)
        conversation = await self._conversation(contact.conversation_id)
        await self._conversations.say(
            conversation,
            Sender.SYSTEM,
            "Our colleague has ended the conversation. Thank you for contacting us.",
        )
        await self._conversations.close(conversation, {"reason": "agent_ended", "queue": contact.queue})

    async def wrap_up(self, agent_id: str, contact_id: str, disposition: str, notes: str) -> None:
        if disposition not in self._cfg.dispositions:
            raise InputError(
                "invalid_disposition", f"disposition must be one of {list(self._cfg.dispositions)}."
            )
        async with self._lock:
            contact = await self._own_contact(agent_id, contact_id, ContactStatus.WRAP_UP)
            now = self._clock()
            await self.contacts.update_contact(
                contact.id, status=ContactStatus.CLOSED, closed_at=now, disposition=disposition, notes=notes
            )
            self._working.pop(contact.conversation_id, None)
            self._metrics.handoff_handle_seconds.labels(contact.queue).observe(
                now - (contact.answered_at or now)
            )
            await self._agent_freed(agent_id, now)
            self.desks.push(agent_id, {"type": "contact_removed", "contact_id": contact.id})
            await self._push_agent(agent_id)
        await self._store.set_outcome_field(
            contact.conversation_id, "summary", f"{disposition}: {notes}"[:300]
        )
        self._wake.set()

    async def transfer(self, agent_id: str, contact_id: str, queue: str) -> None:
        if queue not in self._cfg.queues:
            raise InputError("invalid_queue", f"queue must be one of {sorted(self._cfg.queues)}.")
        async with self._lock:
            contact = await self._own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            now = self._clock()
            await self.contacts.update_contact(
                contact.id, status=ContactStatus.TRANSFERRED, ended_at=now, closed_at=now
            )
            self._working.pop(contact.conversation_id, None)
            context = {**contact.context, "transferred_from": {"queue": contact.queue, "agent_id": agent_id}}
            await self.contacts.enqueue(
                conversation_id=contact.conversation_id,
                channel=contact.channel,
                queue=queue,
                priority=contact.priority,
                reason=contact.reason,
                explanation=f"transferred from {contact.queue}: {contact.explanation}",
                context=context,
                now=now,
            )
            await self._agent_freed(agent_id, now)
            self.desks.push(agent_id, {"type": "contact_removed", "contact_id": contact.id})
            await self._push_agent(agent_id)
        conversation = await self._conversation(contact.conversation_id)
        await self._conversations.say(conversation, Sender.SYSTEM, handoff_message(queue))
        # A caller's line leaves the agent's phone and goes back to hold.
        self._conversations.events.publish(
            conversation.id, {"type": "handoff", "status": "queued", "queue": queue}
        )
        self._wake.set()

    async def bridge_failed(self, conversation_id: str, detail: str) -> None:
        """The voice gateway could not reach the agent's phone: the caller goes back to the front of
        the queue, and that agent is not offered this call again while others can take it."""
        async with self._lock:
            contact = await self.contacts.open_contact_for(conversation_id)
            if contact is None or contact.status != ContactStatus.ACTIVE or contact.agent_id is None:
                raise InputError("no_agent", "This conversation is not with an agent.", 409)
            agent_id = contact.agent_id
            await self.contacts.update_contact(
                contact.id,
                ConversationStatus.QUEUED,
                status=ContactStatus.QUEUED,
                agent_id=None,
                declined_by=[*contact.declined_by, agent_id],
                announced_at=None,
            )
            self._working.pop(conversation_id, None)
            self.desks.push(agent_id, {"type": "contact_removed", "contact_id": contact.id})
            self.desks.push(
                agent_id,
                {"type": "error", "code": "bridge_failed", "message": f"Your phone did not answer: {detail}"},
            )
            await self._push_agent(agent_id)
        log.warning(
            "bridge to agent failed; caller requeued", extra={"contact_id": contact.id, "detail": detail}
        )
        self._conversations.events.publish(conversation_id, {"type": "handoff", "status": "queued"})
        self._wake.set()

    async def handback(self, agent_id: str, contact_id: str) -> None:
        """Back to the bot, which resumes with the slots it had; the request for a person is cleared."""
        async with self._lock:
            contact = await self._own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            now = self._clock()
            await self.contacts.update_contact(
                contact.id,
                ConversationStatus.BOT,
                status=ContactStatus.RETURNED,
                ended_at=now,
                closed_at=now,
            )
            self._working.pop(contact.conversation_id, None)
            await self._agent_freed(agent_id, now)
            self.desks.push(agent_id, {"type": "contact_removed", "contact_id": contact.id})
            await self._push_agent(agent_id)
        with contextlib.suppress(
            BotUnavailable
        ):  # The slots are only read by the policy; it also checks dates.
            await self._bot.set_slots(
                contact.conversation_id, {"handoff_requested": None, "handoff_reason": None}
            )
        conversation = await self._conversation(contact.conversation_id)
        await self._conversations.say(
            conversation,
            Sender.SYSTEM,
            "You're back with our virtual assistant. Is there anything else I can help with?",
        )
        self._conversations.events.publish(conversation.id, {"type": "handoff", "status": "bot"})
        self._wake.set()

    # The supervisor's figures

    async def floor(self) -> dict[str, Any]:
        """Today's figures and the live floor; also sets the Prometheus gauges behind them."""
        now = self._clock()
        since = now - now % 86400  # midnight UTC
        loads = await self._loads()
        connected = self.desks.connected_agents()
        lines = [
            AgentLine(
                id=agent.id,
                display_name=agent.display_name,
                state=self._effective(agent, loads.get(agent.id, (0, 0, 0)))
                if agent.id in connected
                else routing.OFFLINE,
                active_chats=loads.get(agent.id, (0, 0, 0))[0],
                active_calls=loads.get(agent.id, (0, 0, 0))[1],
                skills=frozenset(agent.skills),
            )
            for agent in await self.contacts.all_agents()
            if agent.role == "agent"
        ]
        ended, escalated = await self.contacts.ended_conversations_since(since)
        figures = floor_stats(
            now=now,
            today=await self.contacts.contacts_since(since),
            queues=self._cfg.queues,
            agents=lines,
            agent_names={a.id: a.display_name for a in await self.contacts.all_agents()},
            ended_conversations=ended,
            escalated_conversations=escalated,
            sentiments=await self.contacts.customer_sentiments_since(since),
        )
        self._set_gauges(figures)
        return figures

    def _set_gauges(self, figures: dict[str, Any]) -> None:
        m = self._metrics
        for row in figures["queues"]:
            m.queue_waiting.labels(row["name"]).set(row["waiting"])
            m.queue_longest_wait.labels(row["name"]).set(row["longest_wait_s"])
            if row["sla_pct"] is not None:
                m.queue_sla.labels(row["name"]).set(row["sla_pct"] / 100)
        for state, count in figures["agents_by_state"].items():
            m.agents.labels(state).set(count)
        for gauge, key, scale in (
            (m.average_answer_seconds, "asa_s", 1),
            (m.average_handle_seconds, "aht_s", 1),
            (m.abandonment_ratio, "abandonment_pct", 100),
            (m.containment_ratio, "containment_pct", 100),
        ):
            if figures[key] is not None:
                gauge.set(figures[key] / scale)

    # Views and pushes

    async def contact_json(self, contact: Contact) -> dict[str, Any]:
        return await self._contact_view(contact)

    async def _contact_view(self, contact: Contact, transcript: bool = True) -> dict[str, Any]:
        status = await self._store.status(contact.conversation_id)
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
            view["transcript"] = [m.to_json() for m in await self._store.transcript(contact.conversation_id)]
        return view

    async def _offer_view(self, offer: OfferRecord, contact: Contact | None = None) -> dict[str, Any]:
        contact = contact or await self.contacts.contact(offer.contact_id)
        return {
            "id": offer.id,
            "contact": await self._contact_view(contact) if contact else None,
            "expires_at": iso(offer.expires_at),
            "timeout_s": self._cfg.offer_timeout_s,
            # The desk counts down from this, not its own clock, which may be off.
            "server_time": iso(self._clock()),
        }

    async def _push_contact(self, contact_id: str) -> None:
        contact = await self.contacts.contact(contact_id)
        if contact and contact.agent_id:
            self.desks.push(
                contact.agent_id, {"type": "contact", "contact": await self._contact_view(contact)}
            )

    async def _push_agent(self, agent_id: str | None) -> None:
        if agent_id:
            self.desks.push(agent_id, {"type": "agent", "agent": await self._agent_json(agent_id)})

    def _on_conversation_event(self, conversation_id: str, event: dict[str, Any]) -> None:
        working = self._working.get(conversation_id)
        if working and event.get("type") == "message":
            contact_id, agent_id = working
            self.desks.push(
                agent_id, {"type": "message", "contact_id": contact_id, "message": event["message"]}
            )

    async def _push_suggestions(self, contact: Contact, text: str) -> None:
        """Agent assist after each customer message: articles for it, and the sentiment line so far."""
        if contact.agent_id:
            articles = await self._suggestions(text)
            self.desks.push(
                contact.agent_id, {"type": "suggestions", "contact_id": contact.id, "articles": articles}
            )
            transcript = await self._store.transcript(contact.conversation_id)
            timeline = sentiment_timeline(transcript, self._cfg.escalation.sentiment_window)
            context = {**contact.context, "sentiment": timeline, "suggestions": articles}
            self.desks.push(
                contact.agent_id, {"type": "context", "contact_id": contact.id, "context": context}
            )

    async def _suggestions(self, text: str) -> list[dict[str, Any]]:
        index = self._knowledge.index
        if index is None or not text.strip():
            return []
        hits = await asyncio.to_thread(index.search, text, self._top_k)
        return [
            {"slug": h.article, "title": h.title, "snippet": h.snippet, "score": round(h.score, 3)}
            for h in hits
        ]

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # Agents' load and state

    async def _staffed(self) -> bool:
        return any(self._effective(a) != routing.OFFLINE for a in await self._connected_agents())

    async def _connected_agents(self) -> list[Agent]:
        connected = self.desks.connected_agents()
        return [a for a in await self.contacts.all_agents() if a.id in connected]

    async def _loads(self, agent_id: str | None = None) -> dict[str, tuple[int, int, int]]:
        """Per agent (or for one): active chats, active calls, contacts in wrap-up."""
        loads: dict[str, list[int]] = {}
        for contact in await self.contacts.contacts_in(WORKING_STATUSES, agent_id):
            if contact.agent_id:
                load = loads.setdefault(contact.agent_id, [0, 0, 0])
                if contact.status == ContactStatus.WRAP_UP:
                    load[2] += 1
                else:
                    load[0 if contact.channel == routing.CHAT else 1] += 1
        return {agent_id: (c, v, w) for agent_id, (c, v, w) in loads.items()}

    def _effective(self, agent: Agent, load: tuple[int, int, int] = (0, 0, 0)) -> str:
        return effective_state(
            agent.state,
            active_chats=load[0],
            active_calls=load[1],
            wrap_ups=load[2],
            chat_capacity=agent.chat_capacity,
            voice_capacity=agent.voice_capacity,
        )

    async def _agent_views(self, pending_offers: list[OfferRecord] | None = None) -> list[routing.AgentView]:
        loads = await self._loads()
        offers = await self.contacts.pending_offers() if pending_offers is None else pending_offers
        pending = {o.agent_id for o in offers}
        return [
            routing.AgentView(
                id=agent.id,
                skills=frozenset(agent.skills),
                state=self._effective(agent, loads.get(agent.id, (0, 0, 0))),
                chat_capacity=agent.chat_capacity,
                # A call is bridged to the agent's own phone: without one they take chats only.
                voice_capacity=agent.voice_capacity if agent.sip_uri else 0,
                active_chats=loads.get(agent.id, (0, 0, 0))[0],
                active_calls=loads.get(agent.id, (0, 0, 0))[1],
                idle_since=agent.idle_since,
                has_pending_offer=agent.id in pending,
            )
            for agent in await self._connected_agents()
            if agent.role == "agent"
        ]

    async def _agent_json(self, agent_id: str) -> dict[str, Any]:
        agent = await self._agent(agent_id)
        load = (await self._loads(agent_id)).get(agent_id, (0, 0, 0))
        return {**agent.to_json(), "state": self._effective(agent, load)}

    async def _agent_freed(self, agent_id: str, now: float) -> None:
        """The longest-idle rule counts from when an agent last finished something."""
        agent = await self._agent(agent_id)
        if agent.state == routing.AVAILABLE:
            await self.contacts.set_agent_state(agent_id, routing.AVAILABLE, now, idle=True)

    async def _average_handle_s(self) -> float:
        since = self._clock() - 24 * 3600
        handled = [
            c.closed_at - c.answered_at
            for c in await self.contacts.contacts_since(since)
            if c.status == ContactStatus.CLOSED and c.closed_at and c.answered_at
        ]
        return sum(handled) / len(handled) if handled else self._cfg.default_handle_s

    # Lookups that fail with a clear error

    async def _agent(self, agent_id: str) -> Agent:
        agent = await self.contacts.agent(agent_id)
        if agent is None:
            raise InputError("unknown_agent", "No such agent.", 404)
        return agent

    async def _conversation(self, conversation_id: str) -> Conversation:
        conversation = await self._store.get_conversation(conversation_id)
        if conversation is None:
            raise InputError("unknown_conversation", "No such conversation.", 404)
        conversation_id_var.set(conversation.id)
        return conversation

    async def _own_offer(self, agent_id: str, offer_id: str) -> OfferRecord:
        offer = await self.contacts.offer(offer_id)
        if offer is None or offer.agent_id != agent_id:
            raise InputError("unknown_offer", "No such offer for you.", 404)
        return offer

    async def _own_contact(self, agent_id: str, contact_id: str, status: ContactStatus) -> Contact:
        contact = await self.contacts.contact(contact_id)
        if contact is None or contact.agent_id != agent_id:
            raise InputError("unknown_contact", "No such conversation among yours.", 404)
        if contact.status != status:
            raise InputError("wrong_status", f"The conversation is {contact.status}, not {status}.", 409)
        return contact

    def _waiting(self, contact: Contact, offered: set[str]) -> routing.WaitingContact:
        return routing.WaitingContact(
            id=contact.id,
            queue=contact.queue,
            channel=contact.channel,
            priority=contact.priority,
            enqueued_at=contact.enqueued_at,
            declined_by=frozenset(contact.declined_by),
            offered=contact.id in offered,
        )

    async def _record_decline(self, contact_id: str, agent_id: str) -> None:
        contact = await self.contacts.contact(contact_id)
        if contact and agent_id not in contact.declined_by:
            await self.contacts.update_contact(contact_id, declined_by=[*contact.declined_by, agent_id])

    async def _withdraw_offers(self, contact_id: str, now: float) -> None:
        for offer in await self.contacts.pending_offers():
            if offer.contact_id == contact_id and await self.contacts.close_offer(
                offer.id, OfferOutcome.WITHDRAWN, now
            ):
                self.desks.push(
                    offer.agent_id, {"type": "offer_closed", "offer_id": offer.id, "outcome": "withdrawn"}
                )
