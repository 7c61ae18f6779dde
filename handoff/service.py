"""The human side of Tandem: deciding to escalate, queueing, offering to agents, and agents' actions.

Everything that must survive a restart (contacts, offers, agents' states) is in the store; in memory
are only the live desk connections and which agent works which conversation, both rebuilt at start.
This class wires the parts (see handoff.state for what they share and how they lock) and is what
the gateway and the conversation core call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from handoff.assist import Assist
from handoff.callback_offers import CallbackOffers
from handoff.callback_service import CallbackService
from handoff.desk_commands import DeskCommands
from handoff.escalation import Escalation
from handoff.events import HelloFrame
from handoff.load import AgentLoad
from handoff.monitoring import Monitoring
from handoff.queue_book import QueueBook
from handoff.router import Router
from handoff.state import HandoffState
from handoff.store import Agent, HandoffStore
from handoff.supervisor import Supervisor
from handoff.ticket_service import TicketService
from handoff.ticket_store import TicketStore
from handoff.views import Views
from tandem.bot_client import BotClient, BotTurn
from tandem.config import Settings
from tandem.conversations import ConversationService
from tandem.events import Subscription
from tandem.knowledge import KnowledgeState
from tandem.metrics import Metrics
from tandem.store import Conversation, Message, Store


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
        self.state = HandoffState(settings.handoff, store, contacts, conversations, metrics, clock)
        self.tickets = TicketService(
            settings, store, TicketStore(store.engine), conversations, metrics, clock
        )
        self.callbacks = CallbackService(
            settings.handoff.callbacks,
            store,
            contacts,
            self.tickets,
            conversations,
            clock,
        )
        load = self._load = AgentLoad(self.state)
        self._views = Views(self.state, load)
        self._assist = Assist(self.state, knowledge, settings.knowledge.top_k)
        self._supervisor = Supervisor(self.state, load)
        callback_offers = CallbackOffers(self.state, self.tickets, self.callbacks)
        self._router = Router(self.state, load, self._views, self._supervisor, self.tickets, callback_offers)
        self._escalation = Escalation(
            self.state,
            load,
            self._views,
            self._router,
            self._assist,
            settings.privacy.secret_slots,
            self.tickets,
        )
        self._desk = DeskCommands(self.state, load, self._views, bot, callback_offers)
        self.monitoring = Monitoring(self.state, self._views)
        self.queue_book = QueueBook(store.engine, settings.handoff.queues)
        conversations.events.listeners.append(self._assist.on_conversation_event)

    @property
    def contacts(self) -> HandoffStore:
        return self.state.contacts

    # The conversation core's hooks (tandem.conversations.HumanSide)

    def message_data(self, text: str, secret: bool) -> dict[str, Any] | None:
        return self._escalation.message_data(text, secret)

    async def after_bot_turn(self, conversation: Conversation, turn: BotTurn | None) -> None:
        await self._escalation.after_bot_turn(conversation, turn)

    async def customer_message(self, conversation: Conversation, message: Message) -> None:
        await self._escalation.customer_message(conversation, message)

    def customer_typing(self, conversation_id: str, on: bool) -> None:
        self._desk.customer_typing(conversation_id, on)

    async def conversation_closed(self, conversation: Conversation) -> None:
        await self._escalation.conversation_closed(conversation)

    # The router

    async def run(self) -> None:
        await self._router.run()

    async def tick(self) -> None:
        await self._router.tick()

    # Agents' desks and the voice gateway

    def desk_session(self, agent: Agent) -> AbstractAsyncContextManager[tuple[HelloFrame, Subscription]]:
        return self._desk.desk_session(agent)

    async def set_state(self, agent_id: str, state: str) -> None:
        await self._desk.set_state(agent_id, state)

    async def refresh_agent(self, agent_id: str) -> None:
        """After a supervisor changed the profile: the agent's desk shows it, and the router plans with it."""
        await self._views.push_agent(agent_id)
        self.state.wake.set()

    async def accept(self, agent_id: str, offer_id: str) -> None:
        await self._desk.accept(agent_id, offer_id)

    async def decline(self, agent_id: str, offer_id: str) -> None:
        await self._desk.decline(agent_id, offer_id)

    async def send(self, agent_id: str, contact_id: str, text: str) -> None:
        await self._desk.send(agent_id, contact_id, text)

    async def note(self, agent_id: str, contact_id: str, text: str) -> None:
        await self._desk.note(agent_id, contact_id, text)

    async def typing(self, agent_id: str, contact_id: str, on: bool) -> None:
        await self._desk.typing(agent_id, contact_id, on)

    async def end(self, agent_id: str, contact_id: str) -> None:
        await self._desk.end(agent_id, contact_id)

    async def wrap_up(self, agent_id: str, contact_id: str, disposition: str, notes: str) -> None:
        await self._desk.wrap_up(agent_id, contact_id, disposition, notes)

    async def transfer(
        self, agent_id: str, contact_id: str, queue: str | None, to_agent: str | None = None
    ) -> None:
        await self._desk.transfer(agent_id, contact_id, queue, to_agent)

    async def colleagues(self, agent_id: str) -> list[dict[str, object]]:
        """Everyone else signed in at a desk now, with their role and state."""
        return await self._load.colleagues(agent_id)

    async def handback(self, agent_id: str, contact_id: str) -> None:
        await self._desk.handback(agent_id, contact_id)

    async def bridge_failed(self, conversation_id: str, detail: str) -> None:
        await self._desk.bridge_failed(conversation_id, detail)

    async def tap_status(self, conversation_id: str, state: str, detail: str) -> None:
        await self.monitoring.tap_status(conversation_id, state, detail)

    # The supervisor's figures

    async def floor(self) -> dict[str, Any]:
        return await self._supervisor.floor()
