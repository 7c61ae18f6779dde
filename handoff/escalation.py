"""The conversation core's hooks: annotating customer messages, deciding after each bot turn whether
a person should take over, queueing the conversation, and what a waiting customer chooses."""

from __future__ import annotations

import logging
from typing import Any

from bot.actions import slots as slot_names
from handoff.assist import Assist
from handoff.context import build_context
from handoff.csat import bot_resolved, had_contact
from handoff.events import HandoffFrame
from handoff.floor import CALLBACK, KEEP_WAITING, TICKET, handoff_message, queue_for
from handoff.load import AgentLoad
from handoff.policy import REPORT_FRAUD_INTENT, CustomerTurn, Decision, Signals, decide, urgent_reasons
from handoff.router import Router
from handoff.sentiment import SentimentScorer
from handoff.state import HandoffState, iso
from handoff.store import Contact, ContactStatus
from handoff.ticket_service import TicketService
from handoff.views import Views
from tandem.bot_client import BotTurn
from tandem.conversations import MASKED_TEXT
from tandem.store import Conversation, ConversationStatus, Message, Sender

log = logging.getLogger(__name__)

VERIFIED_IDENTITY = "bank"


def policy_turn(message: Message) -> CustomerTurn:
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


class Escalation:
    def __init__(
        self,
        state: HandoffState,
        load: AgentLoad,
        views: Views,
        router: Router,
        assist: Assist,
        secret_slots: frozenset[str] | list[str],
        tickets: TicketService,
    ) -> None:
        self._s = state
        self._tickets = tickets
        self._load = load
        self._views = views
        self._router = router
        self._assist = assist
        self._secret_slots = secret_slots
        self._sentiment = SentimentScorer(neutral_texts=[MASKED_TEXT])

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
        if turn and slots.get(slot_names.VERIFIED_CUSTOMER_ID):
            await self._link_verified_customer(conversation, slots)
        turns = await self._turns_since_last_handoff(conversation.id)
        tier = slots.get(slot_names.CUSTOMER_TIER) or await self._s.store.customer_tier(
            conversation.customer_id
        )
        signals = Signals(
            turns=turns,
            handoff_requested=bool(slots.get(slot_names.HANDOFF_REQUESTED)),
            flow_failed=slots.get(slot_names.VERIFICATION_STATUS) == slot_names.LOCKED,
            # With nobody signed in, the customer's messages wait for the bot to return instead.
            bot_down=turn is None and await self._load.staffed(),
            tier=str(tier),
        )
        decision = decide(signals, self._s.cfg.escalation)
        log.info(
            "escalation decision",
            # Not the explanation: it quotes what the customer said.
            extra={"escalate": decision.escalate, "reason": decision.reason, "priority": decision.priority},
        )
        if decision.escalate:
            await self.escalate(conversation, decision, slots)

    async def customer_message(self, conversation: Conversation, message: Message) -> None:
        """A customer message while queued or with an agent (the bot does not see it)."""
        contact = await self._s.contacts.open_contact_for(conversation.id)
        if contact is None:
            if await self._s.store.status(conversation.id) == ConversationStatus.TICKET:
                await self._tickets.customer_wrote(conversation, message)
            return
        payload = (message.data or {}).get("payload")
        if contact.status == ContactStatus.QUEUED and payload in (TICKET, CALLBACK, KEEP_WAITING):
            await self._alternative_chosen(contact, conversation, payload)
        elif contact.status == ContactStatus.ACTIVE and contact.agent_id and message.text != MASKED_TEXT:
            self._s.spawn(self._assist.push_suggestions(contact, message.text))

    async def conversation_closed(self, conversation: Conversation) -> None:
        """The customer left or hung up: an unanswered contact is abandoned; an agent's goes to wrap-up."""
        s = self._s
        reason = str((await s.store.outcome(conversation.id) or {}).get("reason", ""))
        resolved = bot_resolved(
            await had_contact(s.store.engine, conversation.id),
            await s.store.awaiting_slot(conversation.id),
            reason,
        )
        await s.store.set_outcome_field(conversation.id, "bot_resolved", resolved)
        async with s.lock:
            contact = await s.contacts.open_contact_for(conversation.id)
            if contact is None:
                return
            now = s.clock()
            if contact.status == ContactStatus.QUEUED:
                await s.withdraw_offers(now, contact_id=contact.id)
                await s.contacts.update_contact(
                    contact.id, status=ContactStatus.ABANDONED, ended_at=now, closed_at=now
                )
                s.metrics.handoff_abandoned.labels(contact.queue).inc()
                log.info("queued contact abandoned", extra={"contact_id": contact.id})
            elif contact.status == ContactStatus.ACTIVE:
                await s.contacts.update_contact(contact.id, status=ContactStatus.WRAP_UP, ended_at=now)
                await self._views.push_contact(contact.id)
                await self._views.push_agent(contact.agent_id)
            s.wake.set()

    async def escalate(
        self, conversation: Conversation, decision: Decision, slots: dict[str, Any]
    ) -> Contact:
        s = self._s
        transcript = await s.store.transcript(conversation.id)
        intents = [m.intent for m in transcript if m.sender == Sender.CUSTOMER and m.intent]
        queue = queue_for(decision.reason, intents, s.cfg)
        customer_texts = [m.text for m in transcript if m.sender == Sender.CUSTOMER and m.text != MASKED_TEXT]
        now = s.clock()
        # Verification may have moved the conversation to another customer since `conversation` was read.
        customer_id = await s.store.conversation_customer(conversation.id)
        context = build_context(
            profile=await s.store.customer_profile(customer_id),
            channel=conversation.channel,
            transcript=transcript,
            slots=slots,
            secret_slots=self._secret_slots,
            decision=decision,
            decided_at=iso(now) or "",
            sentiment_window=s.cfg.escalation.sentiment_window,
            suggestions=await self._assist.suggestions(" ".join(customer_texts[-3:])),
        )
        async with s.lock:
            contact = await s.contacts.enqueue(
                conversation_id=conversation.id,
                channel=conversation.channel,
                queue=queue,
                priority=decision.priority,
                reason=str(decision.reason),
                explanation=decision.explanation,
                context=context,
                now=now,
            )
        s.metrics.escalations.labels(str(decision.reason)).inc()
        log.info("escalated", extra={"contact_id": contact.id, "queue": queue, "reason": decision.reason})
        await s.conversations.say(conversation, Sender.SYSTEM, handoff_message(queue))
        s.conversations.events.publish(
            conversation.id, HandoffFrame(type="handoff", status="queued", queue=queue)
        )
        async with s.lock:
            queued = await s.contacts.contacts_in([ContactStatus.QUEUED])
            await self._router.announce_positions([contact], queued, await self._load.agent_views(), now)
        s.wake.set()
        return contact

    async def _turns_since_last_handoff(self, conversation_id: str) -> tuple[CustomerTurn, ...]:
        """The customer's turns the policy weighs: those since an agent last handed back to the bot, so
        an angry start the agent has dealt with does not send the customer straight back."""
        since = await self._s.contacts.last_closed_at(conversation_id)
        return tuple(
            policy_turn(m)
            for m in await self._s.store.transcript(conversation_id)
            if m.sender == Sender.CUSTOMER and (since is None or m.created_at.timestamp() > since)
        )

    async def _link_verified_customer(self, conversation: Conversation, slots: dict[str, Any]) -> None:
        survivor = await self._s.store.link_customer(
            conversation.id,
            VERIFIED_IDENTITY,
            str(slots[slot_names.VERIFIED_CUSTOMER_ID]),
            slots.get(slot_names.CUSTOMER_FIRST_NAME),
            slots.get(slot_names.CUSTOMER_TIER),
        )
        if survivor != conversation.customer_id:
            log.info("customer linked across channels", extra={"customer_id": survivor})
            if conversation.channel == "web":
                await self._tickets.point_to_waiting(conversation, survivor)

    async def _alternative_chosen(self, contact: Contact, conversation: Conversation, payload: str) -> None:
        s = self._s
        if payload == KEEP_WAITING:
            await s.conversations.say(conversation, Sender.SYSTEM, "Thanks for waiting; you keep your place.")
            return
        status = ContactStatus.TICKET if payload == TICKET else ContactStatus.CALLBACK
        async with s.lock:
            now = s.clock()
            await s.withdraw_offers(now, contact_id=contact.id)
            text = await self._tickets.from_waiting_contact(
                contact, conversation, callback=payload == CALLBACK
            )
            # A web customer keeps the conversation: the team's answer comes into it.
            staying = conversation.channel == "web"
            await s.contacts.update_contact(
                contact.id,
                ConversationStatus.TICKET if staying else None,
                status=status,
                ended_at=now,
                closed_at=now,
            )
        await s.conversations.say(conversation, Sender.SYSTEM, text)
        if staying:
            s.conversations.events.publish(conversation.id, HandoffFrame(type="handoff", status="ticket"))
            return
        # Closing takes the conversation's lock, which the customer's message being handled holds.
        s.spawn(s.conversations.close(conversation, {"reason": str(status), "queue": contact.queue}))
