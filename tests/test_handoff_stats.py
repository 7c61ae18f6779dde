"""The supervisor's figures from a snapshot of today's contacts and the floor."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.stats import AgentLine, floor_stats, histogram
from handoff.store import Contact
from tandem.config import load_settings

QUEUES = load_settings().handoff.queues
NOW = 10_000.0


def contact(queue: str, status: str, enqueued: float, answered: float | None = None,
            closed: float | None = None, reason: str = "customer_request", **extra: Any) -> Contact:  # fmt: skip
    values: dict[str, Any] = {
        "id": f"{queue}-{enqueued}", "conversation_id": "c", "channel": "web", "queue": queue, "priority": 1,
        "reason": reason, "explanation": "", "status": status, "enqueued_at": enqueued, "agent_id": None,
        "answered_at": answered, "ended_at": None, "closed_at": closed, "disposition": None, "notes": None,
        "declined_by": [], "context": {}, "announced_at": None, "alternatives_offered": False,
        "agent_lost_at": None,
    }  # fmt: skip
    return Contact(**{**values, **extra})


TODAY = [
    contact("cards", "queued", NOW - 100),
    contact("cards", "queued", NOW - 30),
    contact(
        "cards", "closed", NOW - 1000, answered=NOW - 990, closed=NOW - 690
    ),  # 10 s to answer, 300 s handled
    contact(
        "cards", "closed", NOW - 2000, answered=NOW - 1880, closed=NOW - 1780, reason="complaint"
    ),  # 120 s
    contact("cards", "abandoned", NOW - 500, reason="negative_sentiment"),
    contact("general", "transferred", NOW - 300, answered=NOW - 290, closed=NOW - 200),
    contact("complaints", "active", NOW - 200, answered=NOW - 150),
]
AGENTS = [
    AgentLine("a", "A", "available", 0, 0, frozenset({"cards"}), ("web",)),
    AgentLine("b", "B", "busy", 3, 1, frozenset({"cards", "complaints"}), ("web", "phone")),
    AgentLine("c", "C", "offline", 0, 0, frozenset({"cards"}), ("web", "phone")),
]


@pytest.fixture
def stats() -> dict[str, Any]:
    return floor_stats(now=NOW, today=TODAY, queues=QUEUES, agents=AGENTS, agent_names={},
                       ended_conversations=10, escalated_conversations=4, sentiments=[-0.9, -0.3, 0.0, 0.9])  # fmt: skip


def test_queue_figures(stats: dict[str, Any]) -> None:
    cards = next(q for q in stats["queues"] if q["name"] == "cards")
    assert cards == {"name": "cards", "sla_s": 60.0, "waiting": 2, "longest_wait_s": 100.0, "sla_pct": 50.0, "answered": 2,
                     "abandoned": 1, "agents_qualified": 2}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("asa_s", round((10 + 120 + 10 + 50) / 4, 1)),
        ("aht_s", round((300 + 100) / 2, 1)),
        ("abandoned", 1),
        ("abandonment_pct", 20.0),  # 1 of the 5 that left the queue one way or the other
        ("contained", 6),
        ("containment_pct", 60.0),
        ("agents_by_state", {"available": 1, "busy": 1, "away": 0, "wrap_up": 0, "offline": 1}),
        ("escalations_by_reason", {"customer_request": 4, "complaint": 1, "negative_sentiment": 1}),
    ],
)
def test_floor_figures(stats: dict[str, Any], key: str, value: Any) -> None:
    assert stats[key] == value


def test_live_contacts_and_sentiment(stats: dict[str, Any]) -> None:
    assert [c["status"] for c in stats["contacts_live"]] == ["queued", "queued", "active"]
    assert stats["sentiment"]["counts"] == [1, 1, 1, 0, 1]


def test_an_empty_day_has_no_averages() -> None:
    empty = floor_stats(now=NOW, today=[], queues=QUEUES, agents=[], agent_names={}, ended_conversations=0,
                        escalated_conversations=0, sentiments=[])  # fmt: skip
    assert empty["asa_s"] is None and empty["containment_pct"] is None


@pytest.mark.parametrize(
    ("values", "counts"),
    [([], [0, 0, 0, 0, 0]), ([-1.0, 1.0], [1, 0, 0, 0, 1]), ([-0.6, 0.2], [0, 1, 0, 1, 0])],
)
def test_histogram_edges(values: list[float], counts: list[int]) -> None:
    assert histogram(values) == counts
