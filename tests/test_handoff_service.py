"""HandoffService in one process: an in-memory SQLite store, a scripted bot, and a clock the test
moves. What is asserted is what an agent's desk receives and what the store then holds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from handoff import routing
from handoff.accounts import add_account
from handoff.service import HandoffService
from handoff.store import Agent, Contact, ContactStatus, HandoffStore, Role
from tandem.bot_client import BotReply, BotTurn
from tandem.config import Settings, load_settings
from tandem.conversations import ConversationService
from tandem.events import Event, EventHub, Subscription
from tandem.knowledge import KnowledgeState
from tandem.metrics import Metrics
from tandem.store import Conversation, ConversationStatus, Sender, Store
from tandem.validation import InputError

SETTINGS = load_settings()
ALL_SKILLS = ("cards", "payments", "complaints")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class ScriptedBot:
    """Answers every message; asks for a person when told to, as the bot's request_human rule does."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}
        self.slots_set: list[tuple[str, dict[str, Any]]] = []

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        wants_person = "person" in text
        slots = {**self.slots, "handoff_requested": True} if wants_person else dict(self.slots)
        return BotTurn(
            replies=[BotReply("Let me find a colleague." if wants_person else "OK.")],
            intent="request_human" if wants_person else "inform",
            confidence=0.99,
            entities=[],
            requested_slot=None,
            slots=slots,
        )

    async def set_slots(self, conversation_id: str, values: dict[str, Any]) -> None:
        self.slots_set.append((conversation_id, values))


@dataclass
class Floor:
    service: HandoffService
    conversations: ConversationService
    contacts: HandoffStore
    store: Store
    bot: ScriptedBot
    clock: Clock
    metrics: Metrics
    desks: dict[str, Subscription] = field(default_factory=dict)

    async def agent(
        self, *, role: Role = Role.AGENT, sip_uri: str | None = "sip:agent@127.0.0.1", **extra: Any
    ) -> Agent:
        username = f"agent{len(await self.contacts.all_agents())}"
        await add_account(
            self.contacts,
            username=username,
            display_name=username.title(),
            password="correct horse battery",
            role=role,
            skills=ALL_SKILLS,
            sip_uri=sip_uri,
            **extra,
        )
        found = await self.contacts.credentials(username)
        assert found is not None
        await self.contacts.set_agent_state(found[0].id, routing.AVAILABLE, self.clock(), idle=True)
        return found[0]

    async def customer_wanting_a_person(self, channel: str = "web") -> tuple[Conversation, Contact]:
        conversation = await self.conversations.open(channel, None)
        await self.conversations.customer_message(conversation, "I want a person")
        contact = await self.contacts.open_contact_for(conversation.id)
        assert contact is not None and contact.status == ContactStatus.QUEUED
        return conversation, contact


async def drain(desk: Subscription) -> list[Event]:
    """Every frame the desk has been sent so far."""
    frames = []
    while True:
        try:
            frames.append(await asyncio.wait_for(desk.get(), 0.01))
        except TimeoutError:
            return frames


def kinds(frames: list[Event]) -> list[str]:
    return [str(f["type"]) for f in frames]


async def open_floor(settings: Settings = SETTINGS, url: str = "sqlite+aiosqlite:///:memory:") -> Floor:
    store = await Store.open(url)
    contacts = await HandoffStore.open(store.engine)
    bot = ScriptedBot()
    metrics = Metrics()
    conversations = ConversationService(
        store,
        bot,
        EventHub(),
        metrics,
        settings.privacy.secret_slots,  # type: ignore[arg-type]
    )
    clock = Clock()
    service = HandoffService(
        settings,
        store,
        contacts,
        conversations,
        bot,
        KnowledgeState(),
        metrics,
        clock,  # type: ignore[arg-type]
    )
    conversations.human = service
    return Floor(service, conversations, contacts, store, bot, clock, metrics)


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(url=store_url)
    yield opened
    await opened.store.close()


async def working_contact(floor: Floor, agent: Agent, desk: Subscription, channel: str = "web") -> Contact:
    """A customer asks for a person, the router offers them to `agent`, who accepts."""
    conversation, contact = await floor.customer_wanting_a_person(channel)
    await floor.service.tick()
    offers = [f for f in await drain(desk) if f["type"] == "offer"]
    assert [o["offer"]["contact"]["id"] for o in offers] == [contact.id]
    await floor.service.accept(agent.id, offers[0]["offer"]["id"])
    accepted = await floor.contacts.contact(contact.id)
    assert accepted is not None and accepted.status == ContactStatus.ACTIVE
    assert floor.service.state.working.get(conversation.id) == (contact.id, agent.id)
    await drain(desk)
    return accepted


async def test_a_customer_who_asks_for_a_person_is_offered_to_the_signed_in_agent(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (hello, desk):
        assert hello["type"] == "hello" and hello["contacts"] == [] and hello["offers"] == []
        contact = await working_contact(floor, agent, desk)
        assert await floor.store.status(contact.conversation_id) == ConversationStatus.AGENT
        await floor.conversations.customer_message(
            await floor.conversations.get(contact.conversation_id),  # type: ignore[arg-type]
            "my card is gone",
        )
        relayed = [f for f in await drain(desk) if f["type"] == "message"]
        assert [f["message"]["text"] for f in relayed] == ["my card is gone"]


# Every way a contact leaves its agent: the contact's new status, the conversation's, and whether
# the agent's desk is told to drop it and shown their new load.
@pytest.mark.parametrize(
    ("action", "contact_status", "conversation_status"),
    [
        ("handback", ContactStatus.RETURNED, ConversationStatus.BOT),
        ("wrap_up", ContactStatus.CLOSED, ConversationStatus.CLOSED),
        ("transfer", ContactStatus.TRANSFERRED, ConversationStatus.QUEUED),
        ("bridge_failed", ContactStatus.QUEUED, ConversationStatus.QUEUED),
    ],
)
async def test_a_contact_leaving_its_agent_clears_their_desk(
    floor: Floor, action: str, contact_status: ContactStatus, conversation_status: ConversationStatus
) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        contact = await working_contact(floor, agent, desk, "phone" if action == "bridge_failed" else "web")
        if action == "handback":
            await floor.service.handback(agent.id, contact.id)
            assert floor.bot.slots_set == [
                (contact.conversation_id, {"handoff_requested": None, "handoff_reason": None})
            ]
        elif action == "wrap_up":
            await floor.service.end(agent.id, contact.id)
            await drain(desk)
            await floor.service.wrap_up(agent.id, contact.id, "resolved", "card blocked")
        elif action == "transfer":
            await floor.service.transfer(agent.id, contact.id, "complaints")
        else:
            await floor.service.bridge_failed(contact.conversation_id, "busy")
        frames = await drain(desk)
        removed = [f for f in frames if f["type"] == "contact_removed"]
        assert [f["contact_id"] for f in removed] == [contact.id]
        if action == "bridge_failed":  # told last, once the contact is off the desk
            assert kinds(frames)[-1] == "error" and frames[-1]["code"] == "bridge_failed"
            frames = frames[:-1]
        assert kinds(frames)[-1] == "agent"
        assert frames[-1]["agent"]["state"] == routing.AVAILABLE
        after = await floor.contacts.contact(contact.id)
        assert after is not None and after.status == contact_status
        assert floor.service.state.working.get(contact.conversation_id) is None
        assert await floor.store.status(contact.conversation_id) == conversation_status
        if action == "bridge_failed":
            assert after.declined_by == [agent.id]


def gauge(floor: Floor, name: str, **labels: str) -> float | None:
    return floor.metrics.registry.get_sample_value(name, labels)


async def test_queue_and_agent_gauges_move_with_no_dashboard_open(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        await floor.service.tick()
        assert gauge(floor, "tandem_agents", state=routing.AVAILABLE) == 1
        await floor.service.set_state(agent.id, routing.AWAY)
        await floor.customer_wanting_a_person()
        floor.clock.now += 5
        await floor.service.tick()
        assert gauge(floor, "tandem_queue_waiting", queue="general") == 1
        assert gauge(floor, "tandem_queue_longest_wait_seconds", queue="general") == pytest.approx(5, abs=1)
        assert gauge(floor, "tandem_agents", state=routing.AWAY) == 1
        assert gauge(floor, "tandem_agents", state=routing.AVAILABLE) == 0
        await drain(desk)


async def test_a_desk_that_breaks_unexpectedly_still_starts_the_grace_period(floor: Floor) -> None:
    agent = await floor.agent()
    with pytest.raises(RuntimeError):
        async with floor.service.desk_session(agent) as (hello, desk):
            assert hello["type"] == "hello"
            contact = await working_contact(floor, agent, desk)
            raise RuntimeError("the socket handler failed")
    after = await floor.contacts.contact(contact.id)
    assert after is not None and after.agent_lost_at == floor.clock.now
    assert not floor.service.state.desks.has_subscribers(agent.id)


async def test_an_agent_without_a_phone_is_shown_taking_chats_only(floor: Floor) -> None:
    """Routing never gives calls to an agent with no phone to bridge them to: the floor must not show
    them free while their chats are full, and their desk says they take chats only."""
    agent = await floor.agent(sip_uri=None, chat_capacity=1, voice_capacity=1)
    async with floor.service.desk_session(agent) as (hello, desk):
        assert hello["agent"]["state"] == routing.AVAILABLE
        assert hello["agent"]["channels"] == [routing.CHAT]
        await floor.customer_wanting_a_person("phone")
        await floor.service.tick()
        assert "offer" not in kinds(await drain(desk))
        await working_contact(floor, agent, desk)
        await floor.service.tick()
        stats = await floor.service.floor()
        [line] = stats["agents"]
        assert (line["state"], line["channels"]) == (routing.BUSY, [routing.CHAT])
        assert gauge(floor, "tandem_agents", state=routing.BUSY) == 1


async def test_an_offer_nobody_answers_expires_and_the_agent_is_set_away(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        _, contact = await floor.customer_wanting_a_person()
        await floor.service.tick()
        [offer] = [f for f in await drain(desk) if f["type"] == "offer"]
        floor.clock.now += SETTINGS.handoff.offer_timeout_s
        await floor.service.tick()
        frames = await drain(desk)
        assert {"type": "offer_closed", "offer_id": offer["offer"]["id"], "outcome": "expired"} in frames
        assert frames[-1]["type"] == "agent" and frames[-1]["agent"]["state"] == routing.AWAY
        after = await floor.contacts.contact(contact.id)
        assert after is not None and after.status == ContactStatus.QUEUED and after.declined_by == [agent.id]


async def test_a_customer_whose_agent_stays_gone_goes_back_to_the_queue(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        contact = await working_contact(floor, agent, desk)
    floor.clock.now += SETTINGS.handoff.reconnect_grace_s - 1
    await floor.service.tick()
    still = await floor.contacts.contact(contact.id)
    assert still is not None and still.status == ContactStatus.ACTIVE
    floor.clock.now += 1
    await floor.service.tick()
    requeued = await floor.contacts.contact(contact.id)
    assert requeued is not None and requeued.status == ContactStatus.QUEUED and requeued.agent_id is None
    assert requeued.enqueued_at == contact.enqueued_at  # keeps its place
    assert await floor.store.status(contact.conversation_id) == ConversationStatus.QUEUED
    said = [m.text for m in await floor.store.transcript(contact.conversation_id)]
    assert "Sorry, your colleague was disconnected. You're back at the front of the queue." in said
    gone = await floor.contacts.agent(agent.id)
    assert gone is not None and gone.state == routing.OFFLINE


async def test_a_customer_who_leaves_the_queue_is_abandoned_and_the_offer_withdrawn(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        conversation, contact = await floor.customer_wanting_a_person()
        await floor.service.tick()
        [offer] = [f for f in await drain(desk) if f["type"] == "offer"]
        await floor.conversations.close(conversation, {"reason": "customer_left"})
        assert {
            "type": "offer_closed",
            "offer_id": offer["offer"]["id"],
            "outcome": "withdrawn",
        } in await drain(desk)
        after = await floor.contacts.contact(contact.id)
        assert after is not None and after.status == ContactStatus.ABANDONED


async def test_a_waiting_chat_gets_a_queue_message_only_when_its_place_changes(floor: Floor) -> None:
    ahead, _ = await floor.customer_wanting_a_person()
    floor.clock.now += 1  # queued later: behind
    behind, _ = await floor.customer_wanting_a_person()

    async def places() -> list[int]:
        said = await floor.store.transcript(behind.id)
        return [
            m.data["queue_position"]
            for m in said
            if m.sender == Sender.SYSTEM and "queue_position" in (m.data or {})
        ]

    assert await places() == [2]
    async with floor.conversations.events.subscribe(behind.id) as events:
        floor.clock.now += SETTINGS.handoff.position_update_s + 1
        await floor.service.tick()
        assert await places() == [2]  # nothing new to say: no new line in the transcript...
        live = [e for e in await drain(events) if e["type"] == "queue_status"]
        assert [(e["queue_position"], e["expected_wait_s"] >= 0) for e in live] == [(2, True)]  # ...but live

        await floor.conversations.close(ahead, {"reason": "customer left"})
        floor.clock.now += SETTINGS.handoff.position_update_s + 1
        await floor.service.tick()
        assert await places() == [2, 1]  # moved up: worth a line


async def test_a_private_note_reaches_the_agents_desks_and_the_next_agent_but_never_the_conversation(
    floor: Floor,
) -> None:
    first = await floor.agent()
    async with floor.service.desk_session(first) as (_, desk):
        contact = await working_contact(floor, first, desk)
        await floor.service.note(first.id, contact.id, "Sounds stressed: check the fraud flags first")
        [frame] = [f for f in await drain(desk) if f["type"] == "message"]
        assert frame["contact_id"] == contact.id
        assert (frame["message"]["sender"], frame["message"]["data"]) == (
            "note",
            {"agent": first.display_name, "whisper": False},  # an agent's note, not a supervisor's whisper
        )
        said = [m.text for m in await floor.store.transcript(contact.conversation_id)]
        assert not any("fraud flags" in text for text in said)  # no customer view can show it

        stranger = await floor.agent()
        with pytest.raises(InputError) as refused:
            await floor.service.note(stranger.id, contact.id, "not mine")
        assert refused.value.code == "unknown_contact"

        await floor.service.transfer(first.id, contact.id, "complaints")
    async with floor.service.desk_session(stranger) as (_, next_desk):
        await floor.service.tick()
        [offer] = [f["offer"] for f in await drain(next_desk) if f["type"] == "offer"]
        await floor.service.accept(stranger.id, offer["id"])
        [taken] = [f["contact"] for f in await drain(next_desk) if f["type"] == "contact"]
        notes = [m["text"] for m in taken["transcript"] if m["sender"] == "note"]
        assert notes == ["Sounds stressed: check the fraud flags first"]
        with pytest.raises(InputError) as closed:
            await floor.service.note(first.id, contact.id, "too late")
        assert closed.value.code == "wrong_status"  # transferred: that contact is over


async def test_typing_is_shown_both_ways_while_an_agent_has_the_conversation(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        waiting, _ = await floor.customer_wanting_a_person()
        floor.conversations.customer_typing(waiting, True)  # nobody has it yet: nobody to tell
        assert [f for f in await drain(desk) if f["type"] == "typing"] == []
        await floor.service.tick()
        [offer] = [f["offer"] for f in await drain(desk) if f["type"] == "offer"]
        await floor.service.accept(agent.id, offer["id"])
        contact_id = offer["contact"]["id"]

        floor.conversations.customer_typing(waiting, True)
        assert [f for f in await drain(desk) if f["type"] == "typing"] == [
            {"type": "typing", "contact_id": contact_id, "on": True}
        ]
        async with floor.conversations.events.subscribe(waiting.id) as customer:
            await floor.service.typing(agent.id, contact_id, True)
            shown = [e for e in await drain(customer) if e["type"] == "typing"]
        assert shown == [{"type": "typing", "on": True, "who": agent.display_name.split()[0]}]
        stranger = await floor.agent()
        with pytest.raises(InputError):
            await floor.service.typing(stranger.id, contact_id, True)
