"""Rasa's SQL tracker store, minus the security answers customers type.

The verification form marks the message it took a PIN, date of birth or account number from
(tandem/secret_answers.py). Before a tracker is written, the user event named by a marker loses its
text and entities: what reaches the database, and every tracker read back from it, holds the mask.
Configured in bot/endpoints.yml; runs inside the Rasa server (Python 3.10).
"""

from __future__ import annotations

from collections.abc import Iterable

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

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


class MaskingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that masks marked security answers before they are written."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        mask_secret_answers(tracker.events)
        await super().save(tracker)
