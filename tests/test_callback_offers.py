"""Customers' callback requests offered on the desk like waiting calls, in-process (in-memory SQLite, a
clock the test moves): who gets the offer, what accepting it does, and when nothing is offered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handoff import routing
from handoff.callbacks import Outcome
from handoff.store import Agent
from handoff.ticket_store import TicketStore
from handoff.tickets import Sla, TicketKind, reference
from tandem.config import CallingHoursSettings, Settings
from tests.test_handoff_service import SETTINGS, Floor, drain, open_floor

NUMBER = "+447700900555"


def with_callbacks(**callbacks: Any) -> Settings:
    outbound = SETTINGS.handoff.callbacks.model_copy(
        update={"trunk_uri": "sip:{number}@127.0.0.1:5999", "number_pattern": r"\+447\d{9}",
                "calling_hours": None, **callbacks}
    )  # fmt: skip
    return SETTINGS.model_copy(
        update={"handoff": SETTINGS.handoff.model_copy(update={"callbacks": outbound})}
    )


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(with_callbacks(), store_url)
    yield opened
    await opened.store.close()


async def callback_request(floor: Floor, by_agent: Agent | None = None) -> int:
    """A caller's "call me back" from the cards queue (or, with by_agent, an agent's follow-up ticket)."""
    conversation = await floor.conversations.open("phone", NUMBER)
    ticket = await TicketStore(floor.store.engine).create(
        conversation_id=conversation.id, contact_id=None, kind=TicketKind.CALLBACK, channel="phone",
        queue="cards", priority=2, subject="Card stolen", callback_number=NUMBER,
        context={"customer": {"name": "Alice Morgan"}, "summary": "Card stolen in London"},
        sla=Sla(3600, 86400), now=floor.clock(), agent_id=by_agent.id if by_agent else None,
    )  # fmt: skip
    return ticket.id


def offers(frames: list[Any]) -> list[dict[str, Any]]:
    return [f["offer"] for f in frames if f["type"] == "offer"]


async def test_a_callback_request_is_offered_to_an_agent_with_a_phone_and_accepting_it_dials(
    floor: Floor,
) -> None:
    chat_only = await floor.agent(sip_uri=None)
    floor.clock.now += 1  # idle for less long than chat_only, yet the only one who can take a call
    caller = await floor.agent()
    await floor.contacts.create_session("caller-session", caller.id, floor.clock() + 3600)  # signed in
    ticket = await callback_request(floor)
    async with (
        floor.service.desk_session(chat_only) as (_, chat_desk),
        floor.service.desk_session(caller) as (_, desk),
    ):
        await floor.service.tick()
        assert offers(await drain(chat_desk)) == []
        [offer] = offers(await drain(desk))
        contact = offer["contact"]
        assert (contact["kind"], contact["reason"], contact["channel"], contact["queue"]) == (
            "callback", "callback", "phone", "cards",
        )  # fmt: skip
        assert contact["context"]["customer"]["name"] == "Alice Morgan"
        assert "ending 555" in contact["context"]["trigger"]["explanation"]

        await floor.service.accept(caller.id, offer["id"])
        frames = await drain(desk)
        assert {"type": "offer_closed", "offer_id": offer["id"], "outcome": "accepted"} in frames
        [notice] = [f for f in frames if f["type"] == "notice"]
        assert reference(ticket) in notice["message"] and "your phone rings first" in notice["message"]
        assigned = await floor.service.tickets.get(ticket)
        assert assigned.assignee_id == caller.id
        dial = await floor.service.callbacks.claim()
        assert dial is not None and (dial.agent_uri, dial.number) == (caller.sip_uri, NUMBER)

        await floor.service.tick()
        assert offers(await drain(desk)) == []  # taken: it has left the queue


async def test_a_declined_then_missed_callback_offer_passes_to_the_next_agent(floor: Floor) -> None:
    first = await floor.agent()
    floor.clock.now += 1
    second = await floor.agent()
    await callback_request(floor)
    async with (
        floor.service.desk_session(first) as (_, first_desk),
        floor.service.desk_session(second) as (_, second_desk),
    ):
        await floor.service.tick()
        [declined] = offers(await drain(first_desk))  # the longest idle first
        await floor.service.decline(first.id, declined["id"])
        await floor.service.tick()
        [missed] = offers(await drain(second_desk))
        assert missed["contact"]["id"] == declined["contact"]["id"]

        floor.clock.now += SETTINGS.handoff.offer_timeout_s + 1
        await floor.service.tick()
        frames = await drain(second_desk)
        assert {"type": "offer_closed", "offer_id": missed["id"], "outcome": "expired"} in frames
        missing = await floor.contacts.agent(second.id)
        assert missing is not None and missing.state == routing.AWAY  # not at the desk: no more offers
        # Everyone still working has declined it: rather than wait for nobody, the decliner gets it again.
        assert [o["contact"]["id"] for o in offers(await drain(first_desk))] == [declined["contact"]["id"]]


async def test_a_pending_callback_offer_is_in_the_hello_and_withdrawn_when_its_agent_goes_offline(
    floor: Floor,
) -> None:
    agent = await floor.agent()
    await callback_request(floor)
    async with floor.service.desk_session(agent) as (_, desk):
        await floor.service.tick()
        [offer] = offers(await drain(desk))
        async with floor.service.desk_session(agent) as (hello, _):  # a second tab, or a reconnect
            assert [o["id"] for o in hello["offers"]] == [offer["id"]]
        await floor.service.set_state(agent.id, routing.OFFLINE)
        assert {"type": "offer_closed", "offer_id": offer["id"], "outcome": "withdrawn"} in await drain(desk)


async def test_a_due_retry_is_offered_to_its_agent_first_and_to_a_colleague_while_they_cannot_take_it(
    floor: Floor,
) -> None:
    ann = await floor.agent()
    floor.clock.now += 1
    bob = await floor.agent()
    first, second = await callback_request(floor, by_agent=ann), await callback_request(floor, by_agent=ann)
    await floor.service.tickets.assign(second, ann, ann)
    async with (
        floor.service.desk_session(ann) as (_, ann_desk),
        floor.service.desk_session(bob) as (_, bob_desk),
    ):
        for ticket in (first, second):  # Ann calls both; neither customer answers
            await floor.service.callbacks.call_now(ticket, ann)
            dial = await floor.service.callbacks.claim()
            assert dial is not None
            await floor.service.callbacks.report(dial.attempt_id, Outcome.NO_ANSWER)
        await floor.service.tick()
        assert offers(await drain(ann_desk)) == offers(await drain(bob_desk)) == []  # not due yet

        floor.clock.now += max(SETTINGS.handoff.callbacks.retry_after_s) + 1
        await floor.service.tick()
        [retry] = offers(await drain(ann_desk))  # hers first, although Bob has been idle longer
        assert retry["contact"]["ticket"] == reference(first)
        assert (
            f"{reference(first)}: try 2 at calling back on the number ending 555"
            in (retry["contact"]["context"]["trigger"]["explanation"])
        )
        # One offer at a time per agent: the other retry goes to the colleague.
        [other] = offers(await drain(bob_desk))
        assert other["contact"]["ticket"] == reference(second)
        assert await floor.service.callbacks.claim() is None  # nothing rings before an agent accepts

        await floor.service.accept(ann.id, retry["id"])
        await floor.service.accept(bob.id, other["id"])
        dials = [await floor.service.callbacks.claim(), await floor.service.callbacks.claim()]
        assert {(d.ticket, d.agent_uri) for d in dials if d} == {
            (reference(first), ann.sip_uri), (reference(second), bob.sip_uri),
        }  # fmt: skip
        history = [event.text for event in await floor.service.tickets.history(second)]
        assert f"call taken by {bob.display_name}" in history
        assigned = await floor.service.tickets.get(second)
        assert assigned.assignee_id == ann.id  # still Ann's ticket


async def test_an_agent_on_a_callback_is_not_offered_another_call(floor: Floor) -> None:
    ann = await floor.agent()
    ticket = await callback_request(floor, by_agent=ann)
    async with floor.service.desk_session(ann) as (_, desk):
        await floor.service.callbacks.call_now(ticket, ann)  # ready to ring her phone: a call already
        await floor.customer_wanting_a_person("phone")
        await floor.service.tick()
        assert offers(await drain(desk)) == []
        dial = await floor.service.callbacks.claim()
        assert dial is not None
        await floor.service.tick()
        assert offers(await drain(desk)) == []
        await floor.service.callbacks.report(dial.attempt_id, Outcome.ANSWERED)
        await floor.service.tick()
        assert [o["contact"]["channel"] for o in offers(await drain(desk))] == ["phone"]


async def test_an_agents_own_follow_up_ticket_is_not_offered(floor: Floor) -> None:
    agent = await floor.agent()
    await callback_request(floor, by_agent=agent)
    async with floor.service.desk_session(agent) as (_, desk):
        await floor.service.tick()
        assert offers(await drain(desk)) == []  # theirs to call from the Tickets page


@pytest.mark.parametrize(
    ("settings", "now"),
    [
        (SETTINGS, None),  # no trunk_uri: outbound calls are not set up
        # Sunday noon, outside the shipped calling hours (Monday to Saturday)
        (with_callbacks(calling_hours=CallingHoursSettings()), "2026-12-06 12:00"),
    ],
)
async def test_no_callback_offer_while_no_call_may_be_placed(settings: Settings, now: str | None) -> None:
    floor = await open_floor(settings)
    try:
        if now:
            floor.clock.now = (
                datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("Europe/London")).timestamp()
            )
        agent = await floor.agent()
        await callback_request(floor)
        async with floor.service.desk_session(agent) as (_, desk):
            await floor.service.tick()
            assert offers(await drain(desk)) == []
    finally:
        await floor.store.close()
