"""Tickets: what a customer asked that waits for a person's written answer, with its service levels.

Pure: the status rules and the SLA clocks, as functions of a ticket and the time. The store is
handoff/ticket_store.py; the HTTP surface handoff/web_tickets.py.

- open: waiting for the team; an agent's reply makes it pending_customer, the first one also meets the
  first-response SLA. A customer's reply opens it again (also a resolved one).
- resolved: the team thinks it is done; closed: done for good, nothing reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketKind(StrEnum):
    MESSAGE = "message"  # the customer left a message: answered in writing, in their conversation
    CALLBACK = "callback"  # the customer asked to be called back on the number the ticket holds


# The statuses an agent may set, from each status.
AGENT_MOVES: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.PENDING_CUSTOMER: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Sla:
    first_response_s: float
    resolution_s: float

    def due(self, created_at: float) -> tuple[float, float]:
        """When the first response and the resolution are due: fixed at creation, whatever the config
        says later."""
        return created_at + self.first_response_s, created_at + self.resolution_s


@dataclass(frozen=True, slots=True)
class Clocks:
    """A ticket's two service levels at one moment: seconds left (negative: overdue), None once met."""

    first_response_left_s: float | None
    resolution_left_s: float | None

    @property
    def breached(self) -> bool:
        return any(
            left is not None and left < 0 for left in (self.first_response_left_s, self.resolution_left_s)
        )

    @property
    def next_due_s(self) -> float | None:
        """The nearer of the two running clocks: what a list of tickets sorts by."""
        running = [left for left in (self.first_response_left_s, self.resolution_left_s) if left is not None]
        return min(running, default=None)


def clocks(
    first_response_due: float,
    resolution_due: float,
    first_response_at: float | None,
    resolved_at: float | None,
    now: float,
) -> Clocks:
    """A clock stops when its goal is reached; one reached late stays breached (negative)."""

    def left(due: float, done_at: float | None) -> float | None:
        if done_at is None:
            return due - now
        return None if done_at <= due else due - done_at

    return Clocks(left(first_response_due, first_response_at), left(resolution_due, resolved_at))


def may_move(current: TicketStatus, wanted: TicketStatus) -> bool:
    return wanted in AGENT_MOVES[current]


def after_agent_reply(current: TicketStatus) -> TicketStatus:
    """An agent answered: the customer has the next word (a closed ticket takes no reply)."""
    if current is TicketStatus.CLOSED:
        raise ValueError("a closed ticket takes no reply")
    return TicketStatus.PENDING_CUSTOMER


def after_customer_reply(current: TicketStatus) -> TicketStatus:
    """The customer wrote again: the team has the next word, even on a resolved ticket."""
    if current is TicketStatus.CLOSED:
        raise ValueError("a closed ticket takes no reply")
    return TicketStatus.OPEN


def reference(ticket_id: int) -> str:
    """What customers and agents call a ticket."""
    return f"T-{ticket_id:05d}"
