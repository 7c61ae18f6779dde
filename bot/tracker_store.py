"""Rasa's SQL tracker store, minus the security answers customers type.

The verification form marks the message it took a PIN, date of birth or account number from
(tandem/secret_answers.py). Before a tracker is written, the user event named by a marker loses its
text and entities: what reaches the database, and every tracker read back from it, holds the mask.
A secret slot's value (the account number, kept while the form asks for the PIN) is needed until
the form clears it; from then on its stored history is masked too.
Configured in bot/endpoints.yml; runs inside each Rasa worker (Python 3.10), all sharing one store.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import turn_summary
from tandem.secret_answers import MASKED_TEXT, marked_message_id


def secret_message_ids(events: Iterable[Event]) -> set[str]:
    """Rasa ids of the customer messages the bot marked as secret answers."""
    marked = set()
    latest_user: str | None = None
    for event in events:
        if isinstance(event, UserUttered):
            latest_user = event.message_id
        elif isinstance(event, BotUttered):
            message_id = marked_message_id((event.data or {}).get("custom"))
            # An empty id means the message the marker answers: the latest one before it.
            if message_id is not None and (message_id or latest_user):
                marked.add(message_id or str(latest_user))
    return marked


def mask_secret_answers(events: Iterable[Event]) -> int:
    """Mask, in place, every user event a marker names; returns how many were masked."""
    events = list(events)
    secret = secret_message_ids(events)
    masked = 0
    for event in events:
        if isinstance(event, UserUttered) and event.message_id in secret and event.text != MASKED_TEXT:
            # In place: the tracker holds these very objects, and the store writes what it holds.
            event.text = MASKED_TEXT
            event.entities = []
            event.parse_data = {**event.parse_data, "text": MASKED_TEXT, "entities": []}
            masked += 1
    return masked


def cleared_secret_slots(events: Sequence[Event], secret_slots: Collection[str]) -> set[str]:
    """Secret slots set back to None since the latest customer message: what they held is history."""
    cleared = set()
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.key in secret_slots and event.value is None:
            cleared.add(event.key)
    return cleared


class MaskingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that masks marked security answers before they are written, and the stored
    values of secret slots once the form has cleared them."""

    def __init__(self, *args: Any, secret_slots: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret_slots = frozenset(secret_slots)
        if self.engine.dialect.name == "sqlite":
            # Every Rasa worker writes this file: WAL lets one write while the others read.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    async def save(self, tracker: DialogueStateTracker) -> None:
        mask_secret_answers(tracker.events)
        await super().save(tracker)
        turn_summary.note(tracker)  # masked already: what the gateway is told is what was stored
        cleared = cleared_secret_slots(list(tracker.events), self.secret_slots)
        if cleared:
            self._mask_stored_slots(tracker.sender_id, cleared)

    def _mask_stored_slots(self, sender_id: str, names: Collection[str]) -> None:
        with self.session_scope() as session:
            rows = session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == SlotSet.type_name
            )
            for row in rows:
                data = json.loads(row.data)
                if data.get("name") in names and data.get("value") not in (None, MASKED_TEXT):
                    row.data = json.dumps({**data, "value": MASKED_TEXT})
            session.commit()
