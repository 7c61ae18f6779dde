"""A supervisor's phone on a live call, the gateway's side, in-process on SQLite and PostgreSQL: the
choice goes to the voice gateway as a `tap` event on the conversation (never a customer's), barging in
tells the agent, and how the phone is doing reaches the monitor pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handoff import routing
from handoff.store import Role
from tandem.customer_view import customer_event
from tandem.validation import InputError
from tests.test_handoff_service import Floor, drain, open_floor, working_contact

SUPERVISOR_PHONE = "sip:supervisor@127.0.0.1:5090"


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(url=store_url)
    yield opened
    await opened.store.close()


async def test_a_supervisor_listens_then_barges_in_on_a_call(floor: Floor) -> None:
    alex = await floor.agent()
    supervisor = await floor.agent(role=Role.SUPERVISOR, sip_uri=SUPERVISOR_PHONE)
    monitoring = floor.service.monitoring
    async with floor.service.desk_session(alex) as (_, alex_desk):
        contact = await working_contact(floor, alex, alex_desk, channel="phone")
        async with (
            floor.conversations.events.subscribe(contact.conversation_id) as call,
            await monitoring.follow(supervisor, contact.id) as monitor,
        ):
            await monitoring.tap(supervisor, contact.id, "listen")
            [asked] = [e for e in await drain(call) if e["type"] == "tap"]
            assert asked == {"type": "tap", "mode": "listen", "sip_uri": SUPERVISOR_PHONE}
            assert customer_event(asked) is None
            assert [f for f in await drain(alex_desk) if f["type"] == "notice"] == []  # listening is silent

            await monitoring.tap(supervisor, contact.id, "barge")
            [notice] = [f for f in await drain(alex_desk) if f["type"] == "notice"]
            assert notice["message"] == f"{supervisor.display_name} (supervisor) is joining your call."

            await floor.service.tap_status(contact.conversation_id, "barged", "")
            [status] = [f for f in await drain(monitor) if f["type"] == "tap"]
            assert status == {"type": "tap", "state": "barged", "detail": ""}
            with pytest.raises(InputError) as refused:
                await floor.service.tap_status(contact.conversation_id, "exploded", "")
            assert refused.value.code == "invalid_state"


async def test_only_a_supervisor_with_a_phone_taps_a_call_with_an_agent(floor: Floor) -> None:
    alex, sam = await floor.agent(), await floor.agent()
    supervisor = await floor.agent(role=Role.SUPERVISOR, sip_uri=SUPERVISOR_PHONE)
    no_phone = await floor.agent(role=Role.SUPERVISOR, sip_uri=None)
    monitoring = floor.service.monitoring
    async with (
        floor.service.desk_session(alex) as (_, alex_desk),
        floor.service.desk_session(sam) as (_, sam_desk),
    ):
        await floor.service.set_state(sam.id, routing.AWAY)
        call = await working_contact(floor, alex, alex_desk, channel="phone")
        await floor.service.set_state(sam.id, routing.AVAILABLE)
        await floor.service.set_state(alex.id, routing.AWAY)
        chat = await working_contact(floor, sam, sam_desk)
        refusals = [
            (supervisor, chat.id, "listen", "not_a_call"),
            (no_phone, call.id, "listen", "no_phone"),
            (supervisor, call.id, "shout", "invalid_mode"),
            (sam, call.id, "listen", "not_consulted"),
        ]
        for who, contact_id, mode, code in refusals:
            with pytest.raises(InputError) as refused:
                await monitoring.tap(who, contact_id, mode)
            assert refused.value.code == code
        await monitoring.tap(no_phone, call.id, "off")  # hanging up needs no phone
