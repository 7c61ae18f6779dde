"""The answer Rasa already gave to a gateway message it is sent again.

The gateway stores a turn's answer after Rasa gives it. A gateway killed between the two leaves the
message pending, and the one that replays it sends it again (tandem/conversations.py). Handled a second
time, a message would count twice in the dialogue: a "yes" confirming one form step would answer the
next one too. So a replayed message carries the gateway's id for it, and when the tracker already holds
a user message with that id, the channel answers with what followed it instead of running the turn.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import turn_summary
from tandem.turn_metadata import MESSAGE_ID_KEY


def earlier_answer(tracker: DialogueStateTracker, message_id: int) -> dict[str, Any] | None:
    """The channel's answer (messages and what was understood) to the gateway's message with this id,
    or None when Rasa has not seen it."""
    events = list(tracker.events)
    start = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if isinstance(events[i], UserUttered)
            and (events[i].metadata or {}).get(MESSAGE_ID_KEY) == message_id
        ),
        None,
    )
    if start is None:
        return None
    user: UserUttered = events[start]
    messages = []
    for event in events[start + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            extra = {key: value for key, value in (event.data or {}).items() if value is not None}
            messages.append({"recipient_id": tracker.sender_id, "text": event.text, **extra})
    return {"messages": messages, "understood": turn_summary.summary(tracker, user)}
