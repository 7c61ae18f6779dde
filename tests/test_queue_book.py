"""Queues changed and added by supervisors (handoff/queue_book.py): what a request may set, checked
before anything is stored; kept in the store over config.yml's queues; and used by the router at once,
in-process on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from handoff.queue_book import QueueBook, queue_name_of, queue_of
from tandem.config import QueueSettings
from tandem.validation import InputError
from tests.test_handoff_service import SETTINGS, Floor, drain, open_floor

KNOWN = {"cards": QueueSettings(skills=frozenset({"cards"}), sla_s=60, overflow_after_s=120, max_wait_s=900)}
GOOD: dict[str, Any] = {
    "skills": ["mortgages"],
    "priority": 1,
    "sla_s": 45,
    "overflow_after_s": 300,
    "overflow_to": ["cards"],
    "max_wait_s": 600,
    "first_response_s": 7200,
    "resolution_s": 86400,
}


def test_a_good_queue_is_taken_whole() -> None:
    queue = queue_of("mortgages", GOOD, KNOWN)
    assert queue == QueueSettings(
        skills=frozenset({"mortgages"}), priority=1, sla_s=45, overflow_after_s=300, overflow_to=("cards",),
        max_wait_s=600, first_response_s=7200, resolution_s=86400,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"skills": "mortgages"}, "invalid_skills"),
        ({"skills": ["Mortgages!"]}, "invalid_skills"),
        ({"skills": [f"s{i}" for i in range(6)]}, "invalid_skills"),
        ({"overflow_to": ["nowhere"]}, "unknown_queues"),
        ({"overflow_to": ["mortgages"]}, "invalid_overflow_to"),
        ({"overflow_to": "cards"}, "invalid_overflow_to"),
        ({"sla_s": 0}, "invalid_sla_s"),
        ({"max_wait_s": "soon"}, "invalid_max_wait_s"),
        ({"colour": "blue"}, None),  # not a queue setting: ignored
    ],
)
def test_a_bad_field_is_named(change: dict[str, Any], code: str | None) -> None:
    known = {**KNOWN, "mortgages": KNOWN["cards"]}
    if code is None:
        queue_of("mortgages", {**GOOD, **change}, known)
        return
    with pytest.raises(InputError) as refused:
        queue_of("mortgages", {**GOOD, **change}, known)
    assert refused.value.code == code


@pytest.mark.parametrize("name", ["", "x", "Mortgages", "../etc", "a" * 33, 7])
def test_a_queue_name_is_a_short_lower_case_word(name: object) -> None:
    with pytest.raises(InputError):
        queue_name_of(name)


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(SETTINGS.model_copy(deep=True), url=store_url)  # the test changes its queues
    yield opened
    await opened.store.close()


async def test_a_saved_queue_is_kept_over_the_configured_one(floor: Floor) -> None:
    supervisor = await floor.agent()
    book = floor.service.queue_book
    await book.save(
        "general", queue_of("general", {**GOOD, "overflow_to": []}, book.queues), supervisor.id, 1.0
    )
    await book.save("mortgages", queue_of("mortgages", GOOD, book.queues), supervisor.id, 2.0)
    assert book.queues["general"].sla_s == 45  # in the dict every part of the handoff reads

    started_again = QueueBook(floor.store.engine, dict(SETTINGS.handoff.queues))
    await started_again.load()
    assert started_again.queues["general"] == book.queues["general"]
    assert started_again.queues["mortgages"].overflow_to == ("cards",)
    assert started_again.queues["cards"] == SETTINGS.handoff.queues["cards"]  # unchanged: as configured
    assert [v["name"] for v in started_again.views()] == sorted({*SETTINGS.handoff.queues, "mortgages"})


async def test_the_router_uses_a_change_at_once(floor: Floor) -> None:
    alex = await floor.agent()  # skills: cards, payments, complaints
    book = floor.service.queue_book
    general = {**GOOD, "overflow_to": [], "overflow_after_s": 3600}
    async with floor.service.desk_session(alex) as (_, desk):
        await book.save("general", queue_of("general", general, book.queues), alex.id, 1.0)
        conversation, _contact = await floor.customer_wanting_a_person()  # to the general queue
        await floor.service.tick()
        assert [f for f in await drain(desk) if f["type"] == "offer"] == []  # Alex lacks "mortgages"

        await book.save("general", queue_of("general", {**general, "skills": []}, book.queues), alex.id, 2.0)
        await floor.service.tick()
        [offer] = [f["offer"] for f in await drain(desk) if f["type"] == "offer"]
        assert offer["contact"]["conversation_id"] == conversation.id
