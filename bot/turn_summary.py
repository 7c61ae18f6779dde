"""What the NLU understood in a turn, kept by the tracker store for the channel that answers it.

The gateway needs the intent, entities and slots with the bot's replies. Asking Rasa's tracker API
for them after the turn loaded and replayed the whole tracker a second time, 11 % of Rasa's CPU
under chat load (benchmarks/RESULTS.md). The tracker store already holds the final tracker when it
saves it: it notes the summary here, under the customer message's id, and bot/tandem_channel.py
takes it out when it sends the replies.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

# Saves not made for one of the channel's turns (the tracker API's writes) are never taken: bounded.
_KEPT = 2048
_summaries: OrderedDict[str, dict[str, Any]] = OrderedDict()


def summary(tracker: DialogueStateTracker, message: UserUttered | None = None) -> dict[str, Any]:
    """A user message's intent and entities (by default the latest's), and every slot now, as the
    tracker API reports them."""
    latest = message or tracker.latest_message
    parse = latest.parse_data if latest is not None else {}
    return {
        "intent": dict(parse.get("intent") or {}),
        "entities": [dict(e) for e in parse.get("entities") or []],
        "slots": tracker.current_slot_values(),
    }


def note(tracker: DialogueStateTracker) -> None:
    latest = tracker.latest_message
    if latest is None or not latest.message_id:
        return
    _summaries[latest.message_id] = summary(tracker)
    _summaries.move_to_end(latest.message_id)
    while len(_summaries) > _KEPT:
        _summaries.popitem(last=False)


def take(message_id: str) -> dict[str, Any] | None:
    return _summaries.pop(message_id, None)
