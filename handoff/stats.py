"""The supervisor's figures, from today's contacts and the live floor: a pure function of a snapshot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handoff import routing
from handoff.store import Contact, ContactStatus
from tandem.config import QueueSettings

SENTIMENT_BINS = (-1.0, -0.6, -0.2, 0.2, 0.6, 1.0)
# Contacts that waited in the queue and left it: for these the wait is over.
LEFT_QUEUE = (ContactStatus.ABANDONED, ContactStatus.TICKET, ContactStatus.CALLBACK)
STATES = (routing.AVAILABLE, routing.BUSY, routing.AWAY, routing.WRAP_UP, routing.OFFLINE)


@dataclass(frozen=True, slots=True)
class AgentLine:
    id: str
    display_name: str
    state: str
    active_chats: int
    active_calls: int
    skills: frozenset[str]
    channels: tuple[str, ...]  # what routing offers them: no phone, no calls


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def histogram(values: Sequence[float], edges: Sequence[float] = SENTIMENT_BINS) -> list[int]:
    counts = [0] * (len(edges) - 1)
    for value in values:
        for i in range(len(counts)):
            if value < edges[i + 1] or i == len(counts) - 1:
                counts[i] += 1
                break
    return counts


def contact_figures(contacts: Sequence[Contact]) -> dict[str, Any]:
    """Answered, abandoned, abandonment %, ASA and AHT over contacts: the dashboard's day and a report's
    period (handoff/reports.py) alike. Abandonment counts against every contact that left the queue,
    answered or not; AHT is from answer to close."""
    answered = [c for c in contacts if c.answered_at is not None]
    handled = [c for c in answered if c.status == ContactStatus.CLOSED and c.closed_at]
    abandoned = sum(1 for c in contacts if c.status == ContactStatus.ABANDONED)
    left = len(answered) + sum(1 for c in contacts if c.status in LEFT_QUEUE)
    return {
        "answered": len(answered),
        "abandoned": abandoned,
        "abandonment_pct": _pct(abandoned, left),
        "asa_s": _mean([(c.answered_at or 0) - c.enqueued_at for c in answered]),
        "aht_s": _mean([(c.closed_at or 0) - (c.answered_at or 0) for c in handled]),
    }


def floor_stats(
    *,
    now: float,
    today: Sequence[Contact],
    queues: Mapping[str, QueueSettings],
    agents: Sequence[AgentLine],
    agent_names: Mapping[str, str],
    ended_conversations: int,
    escalated_conversations: int,
    sentiments: Sequence[float],
) -> dict[str, Any]:
    """`today` is every contact enqueued today (all statuses); `agents` the signed-in ones.

    A transferred contact is one contact per queue it was in; answered contacts are those an agent
    accepted, and SLA % is the share of them accepted within the queue's sla_s.
    """
    queue_rows = []
    within_all = 0
    for name, queue in queues.items():
        mine = [c for c in today if c.queue == name]
        waiting = [c for c in mine if c.status == ContactStatus.QUEUED]
        answered = [c for c in mine if c.answered_at is not None]
        within = [c for c in answered if routing.within_sla((c.answered_at or 0) - c.enqueued_at, queue)]
        within_all += len(within)
        queue_rows.append(
            {
                "name": name,
                "sla_s": queue.sla_s,
                "waiting": len(waiting),
                "longest_wait_s": round(max((now - c.enqueued_at for c in waiting), default=0.0), 1),
                "sla_pct": _pct(len(within), len(answered)),
                "answered": len(answered),
                "abandoned": sum(1 for c in mine if c.status == ContactStatus.ABANDONED),
                "agents_qualified": sum(
                    1 for a in agents if a.state != routing.OFFLINE and queue.skills <= a.skills
                ),
            }
        )
    answered = [c for c in today if c.answered_at is not None]
    day = contact_figures(today)
    live = [
        c for c in today if c.status in (ContactStatus.QUEUED, ContactStatus.ACTIVE, ContactStatus.WRAP_UP)
    ]
    by_state = Counter(a.state for a in agents)
    return {
        "at": now,
        "queues": queue_rows,
        "agents_by_state": {state: by_state.get(state, 0) for state in STATES},
        "sla_pct": _pct(within_all, len(answered)),
        "agents": [
            {
                "id": a.id,
                "display_name": a.display_name,
                "state": a.state,
                "active_chats": a.active_chats,
                "active_calls": a.active_calls,
                "channels": list(a.channels),
            }
            for a in agents
        ],
        "asa_s": day["asa_s"],
        "aht_s": day["aht_s"],
        "abandoned": day["abandoned"],
        "abandonment_pct": day["abandonment_pct"],
        "contained": ended_conversations - escalated_conversations,
        "containment_pct": _pct(ended_conversations - escalated_conversations, ended_conversations),
        "escalations_by_reason": dict(
            Counter(c.reason for c in today if c.status != ContactStatus.TRANSFERRED)
        ),
        "sentiment": {"bins": list(SENTIMENT_BINS), "counts": histogram(sentiments)},
        "contacts_live": [
            {
                "id": c.id,
                "queue": c.queue,
                "channel": c.channel,
                "status": c.status,
                "waited_s": round(((c.answered_at or now) - c.enqueued_at), 1),
                "agent": agent_names.get(c.agent_id or ""),
                "reason": c.reason,
            }
            for c in live
        ],
    }
