"""Supervisors' reports (handoff/reports.py): the figures as a table over hand-made contacts, the period's
rules, the CSV, and a report read from the store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from handoff.reports import COLUMNS, Period, as_csv, figures, period_of, report
from handoff.store import Contact, ContactStatus
from tandem.config import QueueSettings
from tandem.validation import InputError
from tests.test_handoff_service import SETTINGS, Floor, drain, open_floor

QUEUES = {"cards": QueueSettings(skills=frozenset({"cards"}), sla_s=60, overflow_after_s=120, max_wait_s=900)}


def contact(status: str, waited: float | None = None, handled: float | None = None) -> Contact:
    answered = 1000.0 + waited if waited is not None else None
    return Contact(
        id=f"c{status}{waited}{handled}", conversation_id="v", channel="web", queue="cards", priority=0,
        reason="customer_request", explanation="", status=status, enqueued_at=1000.0, agent_id=None,
        answered_at=answered, ended_at=None, closed_at=answered + handled if answered and handled else None,
        disposition=None, notes=None, declined_by=[], context={}, announced_at=None, alternatives_offered=False,
        agent_lost_at=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        ([], {"contacts": 0, "answered": 0, "abandoned": 0, "abandonment_pct": None, "asa_s": None,
              "aht_s": None, "sla_pct": None}),
        ([contact(ContactStatus.CLOSED, 30, 300), contact(ContactStatus.CLOSED, 90, 100)],
         {"contacts": 2, "answered": 2, "abandoned": 0, "abandonment_pct": 0.0, "asa_s": 60.0, "aht_s": 200.0,
          "sla_pct": 50.0}),
        # Abandonment counts against every contact that left the queue: answered, abandoned, ticket.
        ([contact(ContactStatus.ACTIVE, 10), contact(ContactStatus.ABANDONED), contact(ContactStatus.TICKET),
          contact(ContactStatus.QUEUED)],
         {"contacts": 4, "answered": 1, "abandoned": 1, "abandonment_pct": 33.3, "asa_s": 10.0, "aht_s": None,
          "sla_pct": 100.0}),
    ],
)  # fmt: skip
def test_figures(contacts: list[Contact], expected: dict[str, Any]) -> None:
    assert figures(contacts, QUEUES) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, Period(date(2026, 12, 5), date(2026, 12, 5))),
        ("2026-11-01", "2026-11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-30", "2026-11-01", "ends before it starts"),
        ("2025-01-01", "2026-12-05", "at most 366 days"),
        ("01/11/2026", None, "YYYY-MM-DD"),
    ],
)
def test_period(first: str | None, last: str | None, expected: Period | str) -> None:
    if isinstance(expected, Period):
        assert period_of(first, last, date(2026, 12, 5)) == expected
        assert (expected.until - expected.since).days == (
            expected.last - expected.first
        ).days + 1  # both ends
    else:
        with pytest.raises(InputError, match=expected):
            period_of(first, last, date(2026, 12, 5))


def test_the_csv_has_every_row_and_no_name_runs_as_a_formula() -> None:
    row = {"contacts": 1, "answered": 1, "abandoned": 0}
    made = {
        "queues": [{"by": "queue", "name": "cards", **row}],
        "agents": [{"by": "agent", "name": "=cmd()", **row}],
    }
    lines = as_csv(made).splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].startswith("queue,cards,1,1,0")
    assert lines[2].startswith("agent,'=cmd(),1,1,0")


@pytest.fixture
async def floor(store_url: str) -> AsyncIterator[Floor]:
    opened = await open_floor(url=store_url)
    yield opened
    await opened.store.close()


async def test_a_report_from_the_store(floor: Floor) -> None:
    agent = await floor.agent()
    async with floor.service.desk_session(agent) as (_, desk):
        _, waiting = await floor.customer_wanting_a_person()
        await floor.service.tick()
        [offer] = [f for f in await drain(desk) if f["type"] == "offer"]
        await floor.service.accept(agent.id, offer["offer"]["id"])
    today = datetime.fromtimestamp(floor.clock(), UTC).date()
    made = await report(floor.store.engine, floor.contacts, SETTINGS.handoff.queues, Period(today, today))
    [queue] = made["queues"]
    assert (queue["name"], queue["contacts"], queue["answered"]) == (waiting.queue, 1, 1)
    [line] = made["agents"]
    assert (line["name"], line["answered"]) == (agent.display_name, 1)
    before = Period(today - timedelta(days=3), today - timedelta(days=1))
    assert (await report(floor.store.engine, floor.contacts, SETTINGS.handoff.queues, before))["total"][
        "contacts"
    ] == 0
