"""What a customer may see of their conversation: an allow-list over stored messages and events.

The store and the event hub carry what agents and Tandem's own processes need too (sentiment
scores, entities, the agent's wrap-up notes in the outcome, the agent's SIP address). The chat
API and socket pass everything through these functions unless the caller holds the service token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Message annotations the chat page shows: quick replies, the agent's name, the queue position, the
# customer's own conversation that waits on the team (named once they have proved who they are).
CUSTOMER_DATA_KEYS = frozenset(
    {"buttons", "payload", "masked", "agent", "queue_position", "expected_wait_s", "continue_conversation"}
)
CUSTOMER_MESSAGE_KEYS = ("id", "created_at", "channel", "sender", "text", "intent", "confidence")
# How it ended, never the agent's disposition and notes or a recording's path.
CUSTOMER_OUTCOME_KEYS = frozenset({"reason"})


def customer_message(message: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in (message.get("data") or {}).items() if k in CUSTOMER_DATA_KEYS}
    return {**{k: message.get(k) for k in CUSTOMER_MESSAGE_KEYS}, "data": data or None}


def customer_outcome(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {k: v for k, v in outcome.items() if k in CUSTOMER_OUTCOME_KEYS}


# Events for Tandem's own processes only: a supervisor asking the voice gateway to put their phone on the
# call (with their SIP address). A customer is never sent these.
PRIVATE_EVENTS = frozenset({"tap"})


def customer_event(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """One conversation event as the customer's socket sends it; None: not sent to them at all."""
    kind = event.get("type")
    if kind in PRIVATE_EVENTS:
        return None
    if kind == "message":
        return {**event, "message": customer_message(event["message"])}
    if kind == "closed":
        return {**event, "outcome": customer_outcome(event.get("outcome"))}
    if kind == "handoff":
        shown = {k: event[k] for k in ("type", "status", "queue") if k in event}
        if isinstance(event.get("agent"), dict):
            shown["agent"] = {"display_name": event["agent"].get("display_name")}
        return shown
    return event
