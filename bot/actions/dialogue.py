"""Reading the conversation from a rasa-sdk Tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.actions.slots import LEAVE_FORM_INTENTS, REQUESTED_SLOT

# Events that Rasa puts between a user message and the form run it triggers.
_BOOKKEEPING_EVENTS = frozenset({"slot", "user_featurization"})


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def entity_values(message: dict[str, Any], entity: str) -> list[str]:
    return [str(e["value"]) for e in message.get("entities") or [] if e.get("entity") == entity]


def answered_just_now(tracker: Tracker) -> bool:
    """True when the form runs right after a customer message, i.e. the message may answer it.

    Rasa calls a form's validation with the form's own ActionExecuted appended (and slot candidates
    after it). When the form resumes after an interruption (say, an FAQ answer), an action or bot
    message sits between the customer's message and the form instead, and the old message must not
    be read again as an answer.
    """
    events = tracker.events
    i = len(events) - 1
    while i >= 0 and events[i].get("event") == "slot":
        i -= 1
    if i < 0 or events[i].get("event") != "action":
        return False
    i -= 1
    while i >= 0 and events[i].get("event") in _BOOKKEEPING_EVENTS:
        i -= 1
    return i >= 0 and events[i].get("event") == "user"


def is_answer_to(tracker: Tracker, slot: str) -> bool:
    """The latest message was typed in reply to the form's question for `slot`."""
    return (
        tracker.get_slot(REQUESTED_SLOT) == slot
        and answered_just_now(tracker)
        and latest_intent(tracker) not in LEAVE_FORM_INTENTS
    )


def last_message_with_intent(tracker: Tracker, intents: set[str]) -> dict[str, Any] | None:
    """Parse data of the latest customer message with one of these intents (what started a flow)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            data = event.get("parse_data") or {}
            if (data.get("intent") or {}).get("name") in intents:
                return {**data, "text": event.get("text") or ""}
    return None
