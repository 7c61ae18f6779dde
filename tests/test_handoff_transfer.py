"""Transfers to a named colleague, in-process on SQLite and PostgreSQL with a clock the test moves: held
for them (nobody else is offered it) until they take it, decline it, or transfer_reserve_s passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from handoff import routing
from handoff.store import Agent, ContactStatus
from tandem.events import Subscription
from tandem.validation import InputError
from tests.test_handoff_service import SETTINGS, Floor, drain, open_floor, working_contact


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(url=store_url)
    yield opened
    await opened.store.close()


def offers(frames: list[Any]) -> list[dict[str, Any]]:
    return [f["offer"] for f in frames if f["type"] == "offer"]


async def transferred(floor: Floor, sender: Agent, sender_desk: Subscription, to: Agent) -> str:
    """The sender takes a contact, transfers it to `to`, and goes on a break (so is offered nothing)."""
    contact = await working_contact(floor, sender, sender_desk)
    await floor.service.transfer(sender.id, contact.id, None, to.id)
    await floor.service.set_state(sender.id, routing.AWAY)
    return contact.conversation_id


async def test_a_contact_transferred_to_a_busy_colleague_waits_for_them_then_goes_to_the_queue(
    floor: Floor,
) -> None:
    alex = await floor.agent()
    floor.clock.now += 1
    idle_longer, sam = await floor.agent(), await floor.agent()
    async with (
        floor.service.desk_session(alex) as (_, alex_desk),
        floor.service.desk_session(idle_longer) as (_, other_desk),
        floor.service.desk_session(sam) as (_, sam_desk),
    ):
        await floor.service.set_state(sam.id, routing.AWAY)  # on a break: cannot take it yet
        await floor.service.set_state(idle_longer.id, routing.AWAY)
        conversation = await transferred(floor, alex, alex_desk, sam)
        await floor.service.set_state(idle_longer.id, routing.AVAILABLE)
        await floor.service.tick()
        assert offers(await drain(other_desk)) == []  # held for Sam

        await floor.service.set_state(sam.id, routing.AVAILABLE)
        await floor.service.tick()
        [offer] = offers(await drain(sam_desk))
        assert offer["contact"]["conversation_id"] == conversation
        assert offer["contact"]["context"]["transferred_to"]["agent_id"] == sam.id
        await floor.service.decline(sam.id, offer["id"])  # Sam says no: anyone in the queue
        await floor.service.tick()
        [passed_on] = offers(await drain(other_desk))
        assert passed_on["contact"]["conversation_id"] == conversation


async def test_after_the_reservation_anyone_in_the_queue_may_take_it(floor: Floor) -> None:
    alex, other, sam = await floor.agent(), await floor.agent(), await floor.agent()
    async with (
        floor.service.desk_session(alex) as (_, alex_desk),
        floor.service.desk_session(other) as (_, other_desk),
        floor.service.desk_session(sam) as (_, _sam_desk),
    ):
        await floor.service.set_state(sam.id, routing.AWAY)
        await floor.service.set_state(other.id, routing.AWAY)
        conversation = await transferred(floor, alex, alex_desk, sam)
        await floor.service.set_state(other.id, routing.AVAILABLE)
        floor.clock.now += SETTINGS.handoff.transfer_reserve_s
        await floor.service.tick()
        [offer] = offers(await drain(other_desk))
        assert offer["contact"]["conversation_id"] == conversation
        before = await floor.contacts.contacts_of(conversation)
        assert [c.status for c in before] == [ContactStatus.TRANSFERRED, ContactStatus.QUEUED]


async def test_a_transfer_names_a_real_colleague(floor: Floor) -> None:
    alex = await floor.agent()
    async with floor.service.desk_session(alex) as (_, desk):
        contact = await working_contact(floor, alex, desk)
        for target, code in (("nobody", "unknown_colleague"), (alex.id, "own_transfer")):
            with pytest.raises(InputError) as refused:
                await floor.service.transfer(alex.id, contact.id, None, target)
            assert refused.value.code == code
        colleagues = await floor.service.colleagues(alex.id)
        assert colleagues == []  # nobody else at a desk
