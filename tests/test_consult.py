"""Consults, in-process on SQLite and PostgreSQL: the contact's agent asks a colleague at a desk, who may
then follow the live contact and write to the agent only, until the contact leaves the agent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handoff import routing
from handoff.store import Role
from tandem.validation import InputError
from tests.test_handoff_service import Floor, drain, open_floor, working_contact


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(url=store_url)
    yield opened
    await opened.store.close()


async def test_a_consulted_colleague_follows_the_contact_and_writes_to_its_agent_only(floor: Floor) -> None:
    alex, sam = await floor.agent(), await floor.agent()
    monitoring = floor.service.monitoring
    async with (
        floor.service.desk_session(alex) as (_, alex_desk),
        floor.service.desk_session(sam) as (_, sam_desk),
    ):
        await floor.service.set_state(sam.id, routing.AWAY)  # on a break, but at the desk: may be asked
        contact = await working_contact(floor, alex, alex_desk)
        await drain(sam_desk)
        asked = await monitoring.ask(alex.id, contact.id, sam.id)
        assert asked == {"colleague": {"id": sam.id, "display_name": sam.display_name}}
        [request] = [f["consult"] for f in await drain(sam_desk) if f["type"] == "consult"]
        assert request == {
            "contact_id": contact.id,
            "from": alex.display_name,
            "customer": "a web visitor",
            "channel": "web",
            "queue": contact.queue,
        }
        assert await monitoring.asked_of(sam.id) == [request]
        await monitoring.ask(alex.id, contact.id, sam.id)  # asked again: still one request
        assert await monitoring.asked_of(sam.id) == [request]

        view = await monitoring.view(sam, contact.id)
        assert view["agent"] == {"display_name": alex.display_name}
        assert "I want a person" in str(view["transcript"])
        async with await monitoring.follow(sam, contact.id) as watching:
            await floor.service.note(alex.id, contact.id, "Is a chargeback possible here?")
            [seen] = [f for f in await drain(watching) if f["type"] == "message"]
            assert seen["message"]["text"] == "Is a chargeback possible here?"
            await drain(alex_desk)

            await monitoring.write(sam, contact.id, "Yes: raise it within 120 days.")
            [heard] = [f for f in await drain(alex_desk) if f["type"] == "message"]
            assert heard["message"]["sender"] == "note"
            assert heard["message"]["data"] == {"agent": sam.display_name, "whisper": False}

        said = [m.text for m in await floor.store.transcript(contact.conversation_id)]
        assert "I want a person" in said and not any("120 days" in text for text in said)

        await floor.service.end(alex.id, contact.id)
        await floor.service.wrap_up(alex.id, contact.id, "resolved", "")
        assert await monitoring.asked_of(sam.id) == []
        with pytest.raises(InputError) as ended:
            await monitoring.write(sam, contact.id, "one more thing")
        assert ended.value.code == "not_live"


async def test_only_the_contacts_agent_asks_and_only_those_asked_or_supervisors_may_watch(
    floor: Floor,
) -> None:
    alex, sam, kim = await floor.agent(), await floor.agent(), await floor.agent()
    away, supervisor = await floor.agent(), await floor.agent(role=Role.SUPERVISOR)
    monitoring = floor.service.monitoring
    async with (
        floor.service.desk_session(alex) as (_, alex_desk),
        floor.service.desk_session(sam) as (_, _sam_desk),
        floor.service.desk_session(kim) as (_, _kim_desk),
    ):
        for other in (sam, kim):
            await floor.service.set_state(other.id, routing.AWAY)
        contact = await working_contact(floor, alex, alex_desk)
        refusals = [
            (sam.id, sam.id, "not_yours", 403),  # not Sam's contact to ask about
            (alex.id, alex.id, "own_consult", 409),
            (alex.id, away.id, "colleague_away", 404),  # not at a desk
            (alex.id, "nobody", "colleague_away", 404),
        ]
        for asker, colleague, code, status in refusals:
            with pytest.raises(InputError) as refused:
                await monitoring.ask(asker, contact.id, colleague)
            assert (refused.value.code, refused.value.http_status) == (code, status)

        await monitoring.ask(alex.id, contact.id, sam.id)
        for outsider in (kim, alex):  # Kim was not asked; the agent has their own desk
            with pytest.raises(InputError) as refused:
                await monitoring.view(outsider, contact.id)
            assert refused.value.code == "not_consulted"
        assert (await monitoring.view(supervisor, contact.id))["id"] == contact.id
        await monitoring.write(supervisor, contact.id, "Offer the goodwill credit.")
        [whisper] = [f for f in await drain(alex_desk) if f["type"] == "message"]
        assert whisper["message"]["data"]["whisper"] is True


async def test_colleagues_are_everyone_else_at_a_desk_with_their_role(floor: Floor) -> None:
    alex, sam = await floor.agent(), await floor.agent()
    supervisor, _away = await floor.agent(role=Role.SUPERVISOR), await floor.agent()
    async with (
        floor.service.desk_session(alex),
        floor.service.desk_session(sam),
        floor.service.desk_session(supervisor),
    ):
        colleagues = await floor.service.colleagues(alex.id)
        assert sorted((c["display_name"], c["role"]) for c in colleagues) == sorted(
            [(sam.display_name, Role.AGENT), (supervisor.display_name, Role.SUPERVISOR)]
        )
