"""Date-range reports for supervisors, per queue and per agent: contacts, answered, abandonment, average
speed of answer (ASA), average handle time (AHT), SLA %, and satisfaction; with the bot's containment.

`figures` is pure, over the contacts enqueued in the period; `report` reads them, the ratings and the
ended conversations from the store. The same figures as the live dashboard (handoff/stats.py
contact_figures); SLA % is the share of answered contacts taken within their queue's sla_s.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import routing
from handoff.csat import csat_summary
from handoff.stats import contact_figures
from handoff.store import Contact, HandoffStore
from tandem.config import QueueSettings
from tandem.validation import InputError

MAX_DAYS = 366
COLUMNS = (
    "by", "name", "contacts", "answered", "abandoned", "abandonment_pct", "asa_s", "aht_s", "sla_pct",
    "ended", "csat_average", "csat_ratings", "csat_response_rate",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # included

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)


def period_of(first: str | None, last: str | None, today: date) -> Period:
    """Whole days in UTC, both included; today alone when neither is given."""
    try:
        start = date.fromisoformat(first) if first else today
        end = date.fromisoformat(last) if last else today
    except ValueError:
        raise InputError("invalid_date", "Dates are YYYY-MM-DD.") from None
    if end < start:
        raise InputError("invalid_period", "The period ends before it starts.")
    if (end - start).days >= MAX_DAYS:
        raise InputError("invalid_period", f"A report covers at most {MAX_DAYS} days.")
    return Period(start, end)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures(contacts: Sequence[Contact], queues: Mapping[str, QueueSettings]) -> dict[str, Any]:
    timed = [c for c in contacts if c.answered_at is not None and c.queue in queues]
    within = [c for c in timed if routing.within_sla((c.answered_at or 0) - c.enqueued_at, queues[c.queue])]
    return {"contacts": len(contacts), **contact_figures(contacts), "sla_pct": _pct(len(within), len(timed))}


def grouped(
    contacts: Sequence[Contact], key: Callable[[Contact], str | None], queues: Mapping[str, QueueSettings]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        name = key(contact)
        if name is not None:
            groups[name].append(contact)
    return {name: figures(mine, queues) for name, mine in sorted(groups.items())}


async def report(
    engine: AsyncEngine, store: HandoffStore, queues: Mapping[str, QueueSettings], period: Period
) -> dict[str, Any]:
    contacts = await store.contacts_since(period.since.timestamp(), period.until.timestamp())
    names = {a.id: a.display_name for a in await store.all_agents()}
    satisfaction = await csat_summary(engine, period.since, until=period.until)
    ended, escalated = await store.ended_conversations_between(period.since, period.until)

    def rows(
        by: str, groups: dict[str, dict[str, Any]], csat: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        empty = {"ended": 0, "average": None, "ratings": 0, "response_rate": 0.0}
        return [
            {"by": by, "name": name, **values, "ended": (c := csat.get(name, empty))["ended"],
             "csat_average": c["average"], "csat_ratings": c["ratings"], "csat_response_rate": c["response_rate"]}
            for name, values in groups.items()
        ]  # fmt: skip

    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "total": figures(contacts, queues),
        "queues": rows("queue", grouped(contacts, lambda c: c.queue, queues), satisfaction["queues"]),
        "agents": rows(
            "agent", grouped(contacts, lambda c: names.get(c.agent_id or ""), queues), satisfaction["agents"]
        ),
        "conversations_ended": ended,
        "contained": ended - escalated,
        "containment_pct": _pct(ended - escalated, ended),
    }


def as_csv(made: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in [*made["queues"], *made["agents"]]:
        # A leading =, +, - or @ would run as a formula in a spreadsheet: names are quoted out of that.
        writer.writerow({**row, "name": f"'{row['name']}" if str(row["name"])[:1] in "=+-@" else row["name"]})
    return out.getvalue()
