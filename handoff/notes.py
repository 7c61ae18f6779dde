"""Private notes: what agents write about a contact for each other while they work it. They are kept
apart from the conversation's messages, so no customer view can ever include them; a colleague who
takes the conversation over (a transfer, a requeue) sees every note on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.store import Role
from handoff.tables import agents, contact_notes, contacts

SENDER = "note"  # how the desk's transcript tells a note from a message


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    contact_id: str
    agent_name: str
    created_at: float
    text: str
    # Written by a supervisor monitoring the conversation (handoff/monitoring.py): a whisper to its agent.
    whisper: bool = False

    def as_message(self) -> dict[str, Any]:
        """Shaped like a message, so the desk shows it in the transcript at its time."""
        return {
            "id": f"note-{self.id}",
            "sender": SENDER,
            "text": self.text,
            "created_at": datetime.fromtimestamp(self.created_at, UTC).isoformat(),
            "data": {"agent": self.agent_name, "whisper": self.whisper},
        }


async def add_note(
    engine: AsyncEngine,
    contact_id: str,
    agent_id: str,
    agent_name: str,
    text: str,
    now: float,
    whisper: bool = False,
) -> Note:
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.insert(contact_notes).values(
                contact_id=contact_id, agent_id=agent_id, created_at=now, text=text
            )
        )
    return Note(int(result.inserted_primary_key[0]), contact_id, agent_name, now, text, whisper)  # type: ignore[index]


async def notes_on(engine: AsyncEngine, conversation_id: str) -> list[Note]:
    """Every note on the conversation's contacts, oldest first."""
    query = (
        sa.select(contact_notes, agents.c.display_name, agents.c.role)
        .join(contacts, contacts.c.id == contact_notes.c.contact_id)
        .join(agents, agents.c.id == contact_notes.c.agent_id)
        .where(contacts.c.conversation_id == conversation_id)
        .order_by(contact_notes.c.id)
    )
    async with engine.connect() as conn:
        return [
            Note(r.id, r.contact_id, r.display_name, r.created_at, r.text, r.role == Role.SUPERVISOR)
            for r in await conn.execute(query)
        ]
