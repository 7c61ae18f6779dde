"""Callback attempts in-process, on in-memory SQLite with a settable clock: a retry or scheduled call
waits, once due, for an agent to take it; a callback counts as a call; calls kept within calling hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.accounts import Role, add_account
from handoff.callback_service import CallbackService
from handoff.callbacks import Outcome
from handoff.load import agent_loads
from handoff.store import Agent, HandoffStore
from handoff.ticket_service import TicketService
from handoff.ticket_store import TicketStore
from handoff.tickets import Sla, TicketKind
from tandem.config import CallingHoursSettings, load_settings
from tandem.conversations import ConversationService
from tandem.events import EventHub
from tandem.metrics import Metrics
from tandem.store import Store
from tandem.validation import InputError
from tests.test_handoff_service import Clock, ScriptedBot

SETTINGS = load_settings()
NUMBER = "+447700900555"
# Calls at any hour, so that these tests pass whenever they run; the calling-hours tests set theirs.
OUTBOUND = SETTINGS.handoff.callbacks.model_copy(
    update={
        "trunk_uri": "sip:{number}@127.0.0.1:5999",
        "number_pattern": r"\+447\d{9}",
        "calling_hours": None,
    }
)


@dataclass
class Desk:
    callbacks: CallbackService
    tickets: TicketService
    agents: HandoffStore
    store: Store
    conversations: ConversationService
    clock: Clock

    async def agent(self, name: str, skills: tuple[str, ...] = ("cards",)) -> Agent:
        await add_account(self.agents, username=name, display_name=name.title(), password="correct horse battery",
                          role=Role.AGENT, skills=skills, sip_uri=f"sip:{name}@127.0.0.1")  # fmt: skip
        found = await self.agents.credentials(name)
        assert found is not None
        await self.agents.create_session(f"session-{name}", found[0].id, self.clock() + 86400)
        return found[0]

    async def callback_ticket(self) -> int:
        customer = await self.store.customer_for_identity("phone", NUMBER)
        conversation = await self.store.start_conversation(customer, "phone")
        ticket = await TicketStore(self.store.engine).create(
            conversation_id=conversation.id, contact_id=None, kind=TicketKind.CALLBACK, channel="phone",
            queue="cards", priority=2, subject="Please call me", callback_number=NUMBER, context={},
            sla=Sla(3600, 86400), now=self.clock(),
        )  # fmt: skip
        return ticket.id

    async def first_try_unanswered(self, ticket: int, agent: Agent) -> None:
        await self.callbacks.call_now(ticket, agent)
        dial = await self.callbacks.claim()
        assert dial is not None and dial.agent_uri == agent.sip_uri
        await self.callbacks.report(dial.attempt_id, Outcome.NO_ANSWER)
        self.clock.now += max(SETTINGS.handoff.callbacks.retry_after_s) + 1


@pytest.fixture
async def desk(store_url: str) -> AsyncIterator[Desk]:
    store = await Store.open(store_url)
    agents = await HandoffStore.open(store.engine)
    metrics = Metrics()
    conversations = ConversationService(
        store, ScriptedBot(), EventHub(), metrics, SETTINGS.privacy.secret_slots
    )  # type: ignore[arg-type]
    clock = Clock()
    tickets = TicketService(SETTINGS, store, TicketStore(store.engine), conversations, metrics, clock)
    callbacks = CallbackService(OUTBOUND, store, agents, tickets, conversations, clock)
    yield Desk(callbacks, tickets, agents, store, conversations, clock)
    await store.close()


async def test_a_retry_waits_for_an_agent_to_take_it_and_then_rings_their_phone(desk: Desk) -> None:
    ann, bob = await desk.agent("ann"), await desk.agent("bob")
    ticket = await desk.callback_ticket()
    await desk.first_try_unanswered(ticket, ann)

    assert await desk.callbacks.claim() is None  # due, but no phone rings before someone takes it
    [due] = await desk.callbacks.due(desk.clock())
    assert (due.ticket_id, due.agent_id, due.earlier_tries) == (ticket, ann.id, 1)
    assert await desk.callbacks.take(ticket, bob)
    assert await desk.callbacks.due(desk.clock()) == []
    retry = await desk.callbacks.claim()
    assert retry is not None and retry.agent_uri == bob.sip_uri
    history = [event.text for event in await desk.tickets.history(ticket)]
    assert "call taken by Bob" in history
    await desk.callbacks.report(retry.attempt_id, Outcome.ANSWERED)
    assert not await desk.callbacks.take(ticket, ann)  # nothing waits any more


async def test_an_agent_ringing_or_talking_on_a_callback_is_on_a_call(desk: Desk) -> None:
    ann = await desk.agent("ann")
    ticket = await desk.callback_ticket()
    await desk.callbacks.call_now(ticket, ann)
    assert (await agent_loads(desk.agents, desk.store.engine))[ann.id] == (0, 1, 0)  # about to ring
    dial = await desk.callbacks.claim()
    assert dial is not None
    assert (await agent_loads(desk.agents, desk.store.engine))[ann.id] == (0, 1, 0)
    await desk.callbacks.report(dial.attempt_id, Outcome.ANSWERED)
    assert ann.id not in await agent_loads(desk.agents, desk.store.engine)


async def test_a_second_call_while_one_is_scheduled_is_refused_with_a_clear_error(desk: Desk) -> None:
    ann = await desk.agent("ann")
    ticket = await desk.callback_ticket()
    await desk.callbacks.call_now(ticket, ann, at=desk.clock() + 3600)
    assert await desk.callbacks.claim() is None  # not due yet

    with pytest.raises(InputError) as refused:
        await desk.callbacks.call_now(ticket, ann)
    assert (refused.value.code, refused.value.http_status) == ("call_in_progress", 409)
    for at, problem in ((desk.clock() - 1, "in the future"), (desk.clock() + 15 * 86400, "14 days")):
        with pytest.raises(InputError, match=problem):
            await desk.callbacks.call_now(ticket, ann, at=at)

    desk.clock.now += 3600
    assert [due.ticket_id for due in await desk.callbacks.due(desk.clock())] == [ticket]


def london(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/London")).timestamp()


def within_bank_hours(desk: Desk) -> CallbackService:
    """The shipped calling hours: Monday to Saturday, 08:00-20:00 London time."""
    outbound = OUTBOUND.model_copy(update={"calling_hours": CallingHoursSettings()})
    return CallbackService(outbound, desk.store, desk.agents, desk.tickets,
                           desk.conversations, desk.clock)  # fmt: skip


async def test_outside_calling_hours_call_now_names_the_next_opening_and_a_scheduled_call_waits_for_it(
    desk: Desk,
) -> None:
    desk.clock.now = london("2026-12-04 20:30")  # a Friday evening
    callbacks = within_bank_hours(desk)
    ann = await desk.agent("ann")
    ticket = await desk.callback_ticket()

    with pytest.raises(InputError, match="next opening is Sat 05 Dec at 08:00 UTC") as refused:
        await callbacks.call_now(ticket, ann)
    assert (refused.value.code, refused.value.http_status) == ("outside_calling_hours", 409)
    with pytest.raises(InputError, match=r"outside calling hours \(Mon-Sat 08:00-20:00 \(Europe/London\)\)"):
        await callbacks.call_now(ticket, ann, at=london("2026-12-04 22:00"))

    await callbacks.call_now(ticket, ann, at=london("2026-12-05 08:00"))
    desk.clock.now = london("2026-12-05 07:59")
    assert await callbacks.due(desk.clock()) == []
    desk.clock.now = london("2026-12-05 08:00")
    assert [due.ticket_id for due in await callbacks.due(desk.clock())] == [ticket]


async def test_a_retry_that_would_ring_after_closing_waits_for_the_next_opening(desk: Desk) -> None:
    desk.clock.now = london("2026-12-04 19:50")
    callbacks = within_bank_hours(desk)
    ann = await desk.agent("ann")
    ticket = await desk.callback_ticket()
    await callbacks.call_now(ticket, ann)
    first = await callbacks.claim()
    assert first is not None
    await callbacks.report(first.attempt_id, Outcome.NO_ANSWER)  # the retry would fall at 20:00

    history = [event.text for event in await desk.tickets.history(ticket)]
    assert "no answer; next try on Sat 05 Dec at 08:00" in history
    desk.clock.now = london("2026-12-04 20:05")
    assert await callbacks.due(desk.clock()) == []
    desk.clock.now = london("2026-12-05 08:00")
    assert [due.ticket_id for due in await callbacks.due(desk.clock())] == [ticket]
