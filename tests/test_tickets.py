"""Ticket status rules and SLA clocks, as tables."""

from __future__ import annotations

import pytest

from handoff.ticket_service import within
from handoff.tickets import (
    Clocks,
    Sla,
    TicketStatus,
    after_agent_reply,
    after_customer_reply,
    clocks,
    may_move,
    reference,
)

SLA = Sla(first_response_s=100.0, resolution_s=1000.0)
OPEN, PENDING, RESOLVED, CLOSED = (
    TicketStatus.OPEN,
    TicketStatus.PENDING_CUSTOMER,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)


@pytest.mark.parametrize(
    ("first_response_at", "resolved_at", "now", "expected", "breached", "next_due"),
    [
        (None, None, 0.0, Clocks(100.0, 1000.0), False, 100.0),  # just created
        (None, None, 150.0, Clocks(-50.0, 850.0), True, -50.0),  # nobody answered in time
        (60.0, None, 150.0, Clocks(None, 850.0), False, 850.0),  # answered in time: that clock stops
        (160.0, None, 500.0, Clocks(-60.0, 500.0), True, -60.0),  # answered late: stays breached
        (60.0, 900.0, 5000.0, Clocks(None, None), False, None),  # all done in time
        (60.0, 1200.0, 5000.0, Clocks(None, -200.0), True, -200.0),  # resolved late
        (None, None, 1100.0, Clocks(-1000.0, -100.0), True, -1000.0),
    ],
)
def test_clocks(
    first_response_at: float | None,
    resolved_at: float | None,
    now: float,
    expected: Clocks,
    breached: bool,
    next_due: float | None,
) -> None:
    result = clocks(*SLA.due(0.0), first_response_at, resolved_at, now)
    assert result == expected
    assert result.breached is breached
    assert result.next_due_s == next_due


@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        (OPEN, PENDING, True),
        (OPEN, RESOLVED, True),
        (OPEN, CLOSED, True),
        (OPEN, OPEN, False),
        (PENDING, OPEN, True),
        (RESOLVED, OPEN, True),
        (RESOLVED, PENDING, False),
        (CLOSED, OPEN, False),
        (CLOSED, RESOLVED, False),
    ],
)
def test_which_status_an_agent_may_set(current: TicketStatus, wanted: TicketStatus, allowed: bool) -> None:
    assert may_move(current, wanted) is allowed


@pytest.mark.parametrize(
    ("current", "after_agent", "after_customer"),
    [(OPEN, PENDING, OPEN), (PENDING, PENDING, OPEN), (RESOLVED, PENDING, OPEN)],
)
def test_replies_pass_the_next_word(
    current: TicketStatus, after_agent: TicketStatus, after_customer: TicketStatus
) -> None:
    assert after_agent_reply(current) is after_agent
    assert after_customer_reply(current) is after_customer


def test_a_closed_ticket_takes_no_reply() -> None:
    with pytest.raises(ValueError):
        after_agent_reply(CLOSED)
    with pytest.raises(ValueError):
        after_customer_reply(CLOSED)


def test_dues_are_counted_from_creation() -> None:
    assert SLA.due(50.0) == (150.0, 1050.0)


def test_reference() -> None:
    assert reference(42) == "T-00042"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "within a minute"),
        (60, "within 1 minute"),
        (1800, "within 30 minutes"),
        (3600, "within 1 hour"),
        (4 * 3600, "within 4 hours"),
        (86400, "within 1 day"),
        (3 * 86400, "within 3 days"),
    ],
)
def test_a_service_level_as_customers_read_it(seconds: float, text: str) -> None:
    assert within(seconds) == text
