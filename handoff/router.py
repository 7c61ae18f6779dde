"""The router loop: every tick (or at once when woken) expire offers, requeue contacts whose agent
is gone, offer queued contacts to agents, and keep waiting customers told where they stand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff import routing
from handoff.callback_offers import CallbackOffers
from handoff.csat import csat_summary
from handoff.events import HandoffFrame, OfferClosedFrame, OfferFrame, QueueStatusFrame
from handoff.floor import ALTERNATIVES, position_message
from handoff.load import AgentLoad
from handoff.state import HandoffState
from handoff.store import Contact, ContactStatus, OfferOutcome
from handoff.supervisor import Supervisor
from handoff.ticket_service import TicketService
from handoff.views import Views, waiting
from tandem.store import ConversationStatus, Sender

log = logging.getLogger(__name__)

TICK_S = 0.5
# The Prometheus gauges (queues, agents, SLA) are refreshed this often, dashboard open or not.
GAUGES_EVERY_S = 1.0
# Tickets' and satisfaction gauges: heavier queries, and slower-moving figures.
TICKET_GAUGES_S = 10.0
CSAT_WINDOW = timedelta(days=30)


class Router:
    def __init__(
        self,
        state: HandoffState,
        load: AgentLoad,
        views: Views,
        supervisor: Supervisor,
        tickets: TicketService,
        callbacks: CallbackOffers,
    ) -> None:
        self._s = state
        self._load = load
        self._views = views
        self._supervisor = supervisor
        self._tickets = tickets
        self._callbacks = callbacks
        self._gauges_at: float | None = None
        self._tickets_counted = 0.0
        # What each waiting chat customer was last told in the transcript: (position, nobody signed in).
        self._told: dict[str, tuple[int, bool]] = {}

    async def run(self) -> None:
        """Route forever: every tick, or at once when something changed."""
        await self.recover()
        while True:
            try:
                await self.tick()
                if (
                    self._s.clock() - self._tickets_counted >= TICKET_GAUGES_S
                ):  # SLA clocks run without events
                    self._tickets_counted = self._s.clock()
                    await self._tickets.summary()
                    await csat_summary(self._s.store.engine, datetime.now(UTC) - CSAT_WINDOW, self._s.metrics)
            except Exception:  # The router must outlive any one failure, or nobody is ever answered.
                log.exception("routing tick failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._s.wake.wait(), TICK_S)
            self._s.wake.clear()

    async def recover(self) -> None:
        """When this router starts (after a restart, or taking over from another gateway's): offers
        made by the last one are withdrawn, and the agents not at a desk start their grace period."""
        s = self._s
        now = s.clock()
        async with s.lock:
            await s.withdraw_offers(now)
            await self._callbacks.withdraw(now)
            for contact in await s.load_working():
                # Those not connected could not reconnect while no router ran: the grace starts now.
                if not s.desks.has_subscribers(str(contact.agent_id)):
                    await s.contacts.update_contact(contact.id, agent_lost_at=now)

    async def tick(self) -> None:
        s = self._s
        async with s.lock:
            now = s.clock()
            await self._expire_offers(now)
            await self._requeue_lost(now)
            pending = await s.contacts.pending_offers()
            callbacks = await self._callbacks.requests(now)
            offered_to = {o.agent_id for o in pending} | {o.agent_id for o in await self._callbacks.pending()}
            agents = await self._load.agent_views(offered_to)
            queued = await s.contacts.contacts_in([ContactStatus.QUEUED])
            offered = {o.contact_id for o in pending}
            # Waiting calls and callback requests in one plan: one offer per agent, in service order.
            work = [waiting(c, offered) for c in queued] + [r.waiting() for r in callbacks]
            planned = routing.plan_offers(work, agents, s.cfg.queues, now)
            by_id = {c.id: c for c in queued}
            requests = {r.routing_id: r for r in callbacks}
            for offer in planned:
                if offer.contact_id in requests:
                    await self._callbacks.offer(requests[offer.contact_id], offer.agent_id, now)
                else:
                    await self._make_offer(by_id[offer.contact_id], offer.agent_id, now)
            just_offered = {offer.contact_id for offer in planned}
            due = [
                c
                for c in queued
                if c.id not in just_offered
                and (c.announced_at is None or now - c.announced_at >= s.cfg.position_update_s)
            ]
            if due:
                await self.announce_positions(due, queued, agents, now)
            for contact in queued:
                await self._offer_alternatives_after_max_wait(contact, now)
        if self._gauges_at is None or now - self._gauges_at >= GAUGES_EVERY_S:
            self._gauges_at = now
            await self._supervisor.floor()

    async def announce_positions(
        self, due: list[Contact], queued: list[Contact], agents: list[routing.AgentView], now: float
    ) -> None:
        """Tell these customers their place and expected wait; positions are computed once for all."""
        s = self._s
        positions = routing.queue_positions([waiting(c, set()) for c in queued], s.cfg.queues)
        handle_s = await self._load.average_handle_s()
        self._told = {k: v for k, v in self._told.items() if k in positions}
        for contact in due:
            position = positions.get(contact.id)
            if position is None:
                continue
            staffed = routing.staffed_agents(agents, s.cfg.queues[contact.queue])
            expected = routing.expected_wait_s(position, staffed, handle_s)
            conversation = await s.store.get_conversation(contact.conversation_id)
            status = QueueStatusFrame(
                type="queue_status", queue_position=position, expected_wait_s=round(expected)
            )
            if conversation and not self._news(contact, position, staffed == 0):
                # A chat shows the position live; the transcript gets a line only when something changed.
                s.conversations.events.publish(conversation.id, status)
            elif conversation:
                data: dict[str, Any] = {"queue_position": position, "expected_wait_s": round(expected)}
                if staffed == 0:  # nobody to wait for: the ways out are offered at once
                    data["buttons"] = ALTERNATIVES
                await s.conversations.say(
                    conversation, Sender.SYSTEM, position_message(position, expected, staffed), data
                )
            await s.contacts.update_contact(contact.id, announced_at=now)

    def _news(self, contact: Contact, position: int, nobody: bool) -> bool:
        """Whether a customer should get a new queue message: always on the phone, where it is the
        announcement between the hold music; in a chat, when the position or the options changed."""
        if contact.channel != routing.CHAT:
            return True
        told, self._told[contact.id] = self._told.get(contact.id), (position, nobody)
        return told != (position, nobody)

    async def _make_offer(self, contact: Contact, agent_id: str, now: float) -> None:
        s = self._s
        offer = await s.contacts.create_offer(contact.id, agent_id, now, now + s.cfg.offer_timeout_s)
        s.metrics.handoff_offer_seconds.observe(max(0.0, now - contact.enqueued_at))
        s.push(offer.agent_id, OfferFrame(type="offer", offer=await self._views.offer_view(offer, contact)))
        log.info("offered", extra={"contact_id": contact.id, "agent_id": offer.agent_id})

    async def _expire_offers(self, now: float) -> None:
        s = self._s
        for agent_id in await self._callbacks.expire(now):
            await self._missed_offer(agent_id, now)
        for offer in await s.contacts.pending_offers():
            if offer.expires_at > now:
                continue
            await s.contacts.close_offer(offer.id, OfferOutcome.EXPIRED, now)
            await s.record_decline(offer.contact_id, offer.agent_id)
            s.metrics.handoff_offers.labels(OfferOutcome.EXPIRED).inc()
            s.push(
                offer.agent_id, OfferClosedFrame(type="offer_closed", offer_id=offer.id, outcome="expired")
            )
            await self._missed_offer(offer.agent_id, now)

    async def _missed_offer(self, agent_id: str, now: float) -> None:
        """An agent who misses an offer is probably not at the desk: stop offering them work."""
        await self._s.contacts.set_agent_state(agent_id, routing.AWAY, now, idle=False)
        await self._views.push_agent(agent_id)

    async def _requeue_lost(self, now: float) -> None:
        """Contacts whose agent's desk has been gone longer than the grace period go back to the queue,
        keeping their place (their original enqueue time)."""
        s = self._s
        for contact in await s.contacts.contacts_in([ContactStatus.ACTIVE]):
            if contact.agent_lost_at is None or now - contact.agent_lost_at < s.cfg.reconnect_grace_s:
                continue
            await self._views.release(
                contact,
                now,
                ConversationStatus.QUEUED,
                status=ContactStatus.QUEUED,
                agent_id=None,
                agent_lost_at=None,
                announced_at=None,
            )
            if contact.agent_id:
                await s.contacts.set_agent_state(contact.agent_id, routing.OFFLINE, now, idle=False)
            conversation = await s.store.get_conversation(contact.conversation_id)
            if conversation:
                await s.conversations.say(
                    conversation,
                    Sender.SYSTEM,
                    "Sorry, your colleague was disconnected. You're back at the front of the queue.",
                )
                s.conversations.events.publish(conversation.id, HandoffFrame(type="handoff", status="queued"))
            log.warning("agent lost; contact requeued", extra={"contact_id": contact.id})

    async def _offer_alternatives_after_max_wait(self, contact: Contact, now: float) -> None:
        s = self._s
        queue = s.cfg.queues[contact.queue]
        if contact.alternatives_offered or now - contact.enqueued_at < queue.max_wait_s:
            return
        conversation = await s.store.get_conversation(contact.conversation_id)
        if conversation:
            await s.conversations.say(
                conversation,
                Sender.SYSTEM,
                "Sorry for the long wait. You can keep waiting, leave a message for our team to "
                "answer, or ask us to call you back.",
                {"buttons": ALTERNATIVES},
            )
        await s.contacts.update_contact(contact.id, alternatives_offered=True)
