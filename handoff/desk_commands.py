"""What agents do from their desks: connect, choose a state, accept or decline offers, write, end,
wrap up, transfer, hand back to the bot; and the voice gateway's report of a failed bridge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from bot.actions import slots as slot_names
from handoff import routing
from handoff.callback_offers import CallbackOffers, is_callback_offer
from handoff.events import ErrorFrame, HandoffFrame, HelloFrame, MessageFrame, OfferClosedFrame, TypingFrame
from handoff.floor import CHOSEN_STATES, handoff_message
from handoff.load import AgentLoad
from handoff.notes import add_note
from handoff.state import HandoffState, iso
from handoff.store import WORKING_STATUSES, Agent, ContactStatus, OfferOutcome, Role
from handoff.views import Views
from tandem.bot_client import BotClient, BotUnavailable
from tandem.events import Subscription
from tandem.store import ConversationStatus, Sender
from tandem.validation import InputError

log = logging.getLogger(__name__)


class DeskCommands:
    def __init__(
        self, state: HandoffState, load: AgentLoad, views: Views, bot: BotClient, callbacks: CallbackOffers
    ) -> None:
        self._s = state
        self._load = load
        self._views = views
        self._bot = bot
        self._callbacks = callbacks

    @contextlib.asynccontextmanager
    async def desk_session(self, agent: Agent) -> AsyncIterator[tuple[HelloFrame, Subscription]]:
        """One open desk: its hello and its events. However it ends, even by an unexpected error, the
        agent's grace period starts once their last desk is gone."""
        try:
            async with self._s.desks.subscribe(agent.id) as events:
                yield await self.desk_connected(agent), events
        finally:
            # Shielded: a cancelled socket handler must still record the agent gone.
            await asyncio.shield(self.desk_disconnected(agent.id))

    async def desk_connected(self, agent: Agent) -> HelloFrame:
        """The hello a desk gets on every (re)connect: its agent's whole current work."""
        s = self._s
        async with s.lock:
            for contact in await s.contacts.contacts_in([ContactStatus.ACTIVE], agent.id):
                if contact.agent_lost_at is not None:
                    await s.contacts.update_contact(contact.id, agent_lost_at=None)
            work = await s.contacts.contacts_in(WORKING_STATUSES, agent.id)
            offers = [await self._views.offer_view(o) for o in await s.contacts.pending_offers(agent.id)]
            offers += [await self._callbacks.view(o) for o in await self._callbacks.pending(agent.id)]
            hello = HelloFrame(
                type="hello",
                agent=await self._load.agent_json(agent.id),
                contacts=[await self._views.contact_view(c) for c in work],
                offers=offers,
                queues=sorted(s.cfg.queues),
                dispositions=list(s.cfg.dispositions),
                server_time=iso(s.clock()),
            )
        s.wake.set()
        return hello

    async def desk_disconnected(self, agent_id: str) -> None:
        s = self._s
        if s.desks.has_subscribers(agent_id):
            return
        async with s.lock:
            now = s.clock()
            for contact in await s.contacts.contacts_in([ContactStatus.ACTIVE], agent_id):
                await s.contacts.update_contact(contact.id, agent_lost_at=now)
            await s.withdraw_offers(now, agent_id=agent_id)
            await self._callbacks.withdraw(now, agent_id)
        s.wake.set()

    async def set_state(self, agent_id: str, state: str) -> None:
        if state not in CHOSEN_STATES:
            raise InputError("invalid_state", f"state must be one of {sorted(CHOSEN_STATES)}.")
        s = self._s
        async with s.lock:
            agent = await s.agent(agent_id)
            now = s.clock()
            becoming_free = state == routing.AVAILABLE and agent.state != routing.AVAILABLE
            await s.contacts.set_agent_state(agent_id, state, now, idle=becoming_free)
            if state == routing.OFFLINE:
                await s.withdraw_offers(now, agent_id=agent_id)
                await self._callbacks.withdraw(now, agent_id)
            await self._views.push_agent(agent_id)
        s.wake.set()

    async def accept(self, agent_id: str, offer_id: str) -> None:
        if is_callback_offer(offer_id):
            await self._callbacks.accept(agent_id, offer_id)
            return
        s = self._s
        async with s.lock:
            offer = await s.own_offer(agent_id, offer_id)
            now = s.clock()
            if not await s.contacts.close_offer(offer.id, OfferOutcome.ACCEPTED, now):
                raise InputError("offer_gone", "This offer has expired or was withdrawn.", 409)
            contact = await s.contacts.contact(offer.contact_id)
            if contact is None or contact.status != ContactStatus.QUEUED:
                raise InputError("offer_gone", "The customer is no longer waiting.", 409)
            await s.contacts.update_contact(
                contact.id,
                ConversationStatus.AGENT,
                status=ContactStatus.ACTIVE,
                agent_id=agent_id,
                answered_at=contact.answered_at or now,
                agent_lost_at=None,
            )
            s.working.start(contact.conversation_id, contact.id, agent_id)
            s.metrics.handoff_offers.labels(OfferOutcome.ACCEPTED).inc()
            s.metrics.handoff_answer_seconds.labels(contact.queue).observe(now - contact.enqueued_at)
            s.push(agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="accepted"))
            await self._views.push_contact(contact.id)
            await self._views.push_agent(agent_id)
            agent = await s.agent(agent_id)
        conversation = await s.conversation(contact.conversation_id)
        await s.conversations.say(
            conversation, Sender.SYSTEM, f"{agent.display_name} from our team has joined the conversation."
        )
        s.conversations.events.publish(
            conversation.id,
            HandoffFrame(
                type="handoff",
                status="agent",
                agent={"display_name": agent.display_name, "sip_uri": agent.sip_uri},
            ),
        )
        log.info("offer accepted", extra={"contact_id": contact.id, "agent_id": agent_id})

    async def decline(self, agent_id: str, offer_id: str) -> None:
        if is_callback_offer(offer_id):
            await self._callbacks.decline(agent_id, offer_id)
            return
        s = self._s
        async with s.lock:
            offer = await s.own_offer(agent_id, offer_id)
            if await s.contacts.close_offer(offer.id, OfferOutcome.DECLINED, s.clock()):
                await s.record_decline(offer.contact_id, agent_id)
                s.metrics.handoff_offers.labels(OfferOutcome.DECLINED).inc()
            s.push(agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="declined"))
        s.wake.set()

    async def send(self, agent_id: str, contact_id: str, text: str) -> None:
        s = self._s
        contact = await s.own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
        agent = await s.agent(agent_id)
        conversation = await s.conversation(contact.conversation_id)
        await s.conversations.say(conversation, Sender.AGENT, text, {"agent": agent.display_name})

    async def note(self, agent_id: str, contact_id: str, text: str) -> None:
        """A private note on a contact the agent works or wraps up: to their desk, never to the customer."""
        s = self._s
        contact = await s.contacts.contact(contact_id)
        if contact is None or contact.agent_id != agent_id:
            raise InputError("unknown_contact", "No such conversation among yours.", 404)
        if contact.status not in (ContactStatus.ACTIVE, ContactStatus.WRAP_UP):
            raise InputError(
                "wrong_status", f"The conversation is {contact.status}: it takes no notes now.", 409
            )
        agent = await s.agent(agent_id)
        note = await add_note(s.store.engine, contact.id, agent_id, agent.display_name, text, s.clock())
        s.push(agent_id, MessageFrame(type="message", contact_id=contact.id, message=note.as_message()))
        log.info("private note", extra={"contact_id": contact.id, "chars": len(text)})

    async def typing(self, agent_id: str, contact_id: str, on: bool) -> None:
        """The agent is (or stopped) typing a reply: the customer sees "Alex is typing"."""
        s = self._s
        contact = await s.own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
        agent = await s.agent(agent_id)
        who = agent.display_name.split()[0] if agent.display_name.strip() else "Our colleague"
        s.conversations.events.publish(contact.conversation_id, {"type": "typing", "on": on, "who": who})

    def customer_typing(self, conversation_id: str, on: bool) -> None:
        s = self._s
        if working := s.working.get(conversation_id):
            contact_id, agent_id = working
            s.push(agent_id, TypingFrame(type="typing", contact_id=contact_id, on=on))

    async def end(self, agent_id: str, contact_id: str) -> None:
        s = self._s
        async with s.lock:
            contact = await s.own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            await s.contacts.update_contact(contact.id, status=ContactStatus.WRAP_UP, ended_at=s.clock())
            await self._views.push_contact(contact.id)
            await self._views.push_agent(agent_id)
        conversation = await s.conversation(contact.conversation_id)
        await s.conversations.say(
            conversation,
            Sender.SYSTEM,
            "Our colleague has ended the conversation. Thank you for contacting us.",
        )
        await s.conversations.close(conversation, {"reason": "agent_ended", "queue": contact.queue})

    async def wrap_up(self, agent_id: str, contact_id: str, disposition: str, notes: str) -> None:
        s = self._s
        if disposition not in s.cfg.dispositions:
            raise InputError("invalid_disposition", f"disposition must be one of {list(s.cfg.dispositions)}.")
        async with s.lock:
            contact = await s.own_contact(agent_id, contact_id, ContactStatus.WRAP_UP)
            now = s.clock()
            await self._views.release(
                contact, now, status=ContactStatus.CLOSED, closed_at=now, disposition=disposition, notes=notes
            )
            s.metrics.handoff_handle_seconds.labels(contact.queue).observe(now - (contact.answered_at or now))
        await s.store.set_outcome_field(contact.conversation_id, "summary", f"{disposition}: {notes}"[:300])
        s.wake.set()

    async def transfer(
        self, agent_id: str, contact_id: str, queue: str | None, to_agent: str | None = None
    ) -> None:
        """To a queue, or to a named colleague: then held for them for transfer_reserve_s (offered to
        nobody else meanwhile, unless they decline it), and in the same queue unless another is given."""
        s = self._s
        if queue is not None and queue not in s.cfg.queues:
            raise InputError("invalid_queue", f"queue must be one of {sorted(s.cfg.queues)}.")
        if queue is None and to_agent is None:
            raise InputError("invalid_transfer", "Transfer to a queue or to a colleague.")
        async with s.lock:
            contact = await s.own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            now = s.clock()
            queue = queue or contact.queue
            context: dict[str, Any] = {
                **contact.context,
                "transferred_from": {"queue": contact.queue, "agent_id": agent_id},
            }
            explanation = f"transferred from {contact.queue}: {contact.explanation}"
            if to_agent is not None:
                colleague = await self._colleague(agent_id, to_agent)
                context["transferred_to"] = {
                    "agent_id": colleague.id,
                    "until": now + s.cfg.transfer_reserve_s,
                }
                sender = await s.agent(agent_id)
                explanation = (
                    f"transferred to {colleague.display_name} by {sender.display_name}: {contact.explanation}"
                )
            await self._views.release(
                contact, now, status=ContactStatus.TRANSFERRED, ended_at=now, closed_at=now
            )
            await s.contacts.enqueue(
                conversation_id=contact.conversation_id,
                channel=contact.channel,
                queue=queue,
                priority=contact.priority,
                reason=contact.reason,
                explanation=explanation,
                context=context,
                now=now,
            )
        conversation = await s.conversation(contact.conversation_id)
        await s.conversations.say(conversation, Sender.SYSTEM, handoff_message(queue))
        # A caller's line leaves the agent's phone and goes back to hold.
        s.conversations.events.publish(
            conversation.id, HandoffFrame(type="handoff", status="queued", queue=queue)
        )
        s.wake.set()

    async def _colleague(self, agent_id: str, to_agent: str) -> Agent:
        colleague = await self._s.contacts.agent(to_agent)
        if colleague is None or colleague.role != Role.AGENT or colleague.disabled_at is not None:
            raise InputError("unknown_colleague", "No such colleague to transfer to.", 404)
        if colleague.id == agent_id:
            raise InputError("own_transfer", "Choose a colleague other than yourself.", 409)
        return colleague

    async def bridge_failed(self, conversation_id: str, detail: str) -> None:
        """The voice gateway could not reach the agent's phone: the caller goes back to the front of
        the queue, and that agent is not offered this call again while others can take it."""
        s = self._s
        async with s.lock:
            contact = await s.contacts.open_contact_for(conversation_id)
            if contact is None or contact.status != ContactStatus.ACTIVE or contact.agent_id is None:
                raise InputError("no_agent", "This conversation is not with an agent.", 409)
            agent_id = contact.agent_id
            await self._views.release(
                contact,
                s.clock(),
                ConversationStatus.QUEUED,
                status=ContactStatus.QUEUED,
                agent_id=None,
                declined_by=[*contact.declined_by, agent_id],
                announced_at=None,
            )
            # Told once the caller is back in the queue, so the desk never sees a state not yet stored.
            s.push(
                agent_id,
                ErrorFrame(
                    type="error", code="bridge_failed", message=f"Your phone did not answer: {detail}"
                ),
            )
        log.warning(
            "bridge to agent failed; caller requeued", extra={"contact_id": contact.id, "detail": detail}
        )
        s.conversations.events.publish(conversation_id, HandoffFrame(type="handoff", status="queued"))
        s.wake.set()

    async def handback(self, agent_id: str, contact_id: str) -> None:
        """Back to the bot, which resumes with the slots it had; the request for a person is cleared."""
        s = self._s
        async with s.lock:
            contact = await s.own_contact(agent_id, contact_id, ContactStatus.ACTIVE)
            now = s.clock()
            await self._views.release(
                contact,
                now,
                ConversationStatus.BOT,
                status=ContactStatus.RETURNED,
                ended_at=now,
                closed_at=now,
            )
        # The slots are only read by the policy; it also checks dates.
        with contextlib.suppress(BotUnavailable):
            await self._bot.set_slots(
                contact.conversation_id, {slot_names.HANDOFF_REQUESTED: None, slot_names.HANDOFF_REASON: None}
            )
        conversation = await s.conversation(contact.conversation_id)
        await s.conversations.say(
            conversation,
            Sender.SYSTEM,
            "You're back with our virtual assistant. Is there anything else I can help with?",
        )
        s.conversations.events.publish(conversation.id, HandoffFrame(type="handoff", status="bot"))
        s.wake.set()
