"""The queues as the floor runs them: `handoff.queues` in config.yml, then what supervisors changed or
added on the Queues page (table `queue_settings`), applied over them when the gateway starts and at once
when saved.

Every part of the handoff reads the queues from one dict, `HandoffSettings.queues`; the book changes
that dict in place, so the router, the desks, tickets and reports all see a change on their next read,
with no restart. Queues are never removed: contacts, tickets and reports name them, and config.yml
routes to them by reason and intent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import queue_settings
from tandem.config import QueueSettings
from tandem.validation import InputError

QUEUE_NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")
SKILL_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_SKILLS = 5
FIELDS = tuple(QueueSettings.model_fields)


def queue_name_of(value: Any) -> str:
    if not isinstance(value, str) or not QUEUE_NAME.fullmatch(value):
        raise InputError(
            "invalid_queue_name", "A queue's name is 2-32 lower-case letters, digits or underscores."
        )
    return value


def queue_of(name: str, body: Mapping[str, Any], known: Mapping[str, QueueSettings]) -> QueueSettings:
    """The queue's settings in a request body, or a clear error naming what is wrong."""
    skills = body.get("skills")
    if not isinstance(skills, list) or not all(
        isinstance(s, str) and SKILL_NAME.fullmatch(s) for s in skills
    ):
        raise InputError(
            "invalid_skills", "skills is a list of lower-case skill names (letters, digits, - or _)."
        )
    if len(set(skills)) > MAX_SKILLS:
        raise InputError("invalid_skills", f"A queue asks for at most {MAX_SKILLS} skills.")
    overflow = body.get("overflow_to")
    if not isinstance(overflow, list) or not all(isinstance(q, str) for q in overflow):
        raise InputError("invalid_overflow_to", "overflow_to is a list of queue names.")
    unknown = sorted(set(overflow) - set(known))
    if unknown:
        raise InputError("unknown_queues", f"No queue is called {', '.join(unknown)}.")
    if name in overflow:
        raise InputError("invalid_overflow_to", "A queue cannot overflow to itself.")
    values = {key: body[key] for key in FIELDS if key in body}
    try:
        return QueueSettings.model_validate(
            {**values, "skills": frozenset(skills), "overflow_to": tuple(dict.fromkeys(overflow))}
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"invalid_{where}", f"{where}: {first['msg']}.") from None


def queue_view(name: str, queue: QueueSettings) -> dict[str, Any]:
    return {**queue.model_dump(mode="json"), "name": name, "skills": sorted(queue.skills)}


class QueueBook:
    def __init__(self, engine: AsyncEngine, queues: dict[str, QueueSettings]) -> None:
        self._engine = engine
        self.queues = queues  # HandoffSettings.queues: the one dict every part of the handoff reads
        # With several gateways: a saved queue is sent to the others (handoff/cluster_links.py).
        self.outbox: Callable[[dict[str, Any]], None] | None = None

    async def load(self) -> None:
        """Apply what supervisors saved over config.yml's queues (once, at start)."""
        async with self._engine.connect() as conn:
            for row in await conn.execute(sa.select(queue_settings)):
                self.queues[row.name] = QueueSettings.model_validate(row.settings)

    async def save(self, name: str, queue: QueueSettings, by: str, now: float) -> None:
        stored = queue.model_dump(mode="json")
        async with self._engine.begin() as conn:
            updated = await conn.execute(
                sa.update(queue_settings)
                .where(queue_settings.c.name == name)
                .values(settings=stored, updated_at=now, updated_by=by)
            )
            if not updated.rowcount:
                await conn.execute(
                    sa.insert(queue_settings).values(
                        name=name, settings=stored, updated_at=now, updated_by=by
                    )
                )
        self.queues[name] = queue
        if self.outbox:
            self.outbox({"name": name, "settings": stored})

    def apply(self, saved: dict[str, Any]) -> None:
        """A queue a supervisor saved on another gateway."""
        self.queues[saved["name"]] = QueueSettings.model_validate(saved["settings"])

    def views(self) -> list[dict[str, Any]]:
        return [queue_view(name, queue) for name, queue in sorted(self.queues.items())]
