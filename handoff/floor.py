"""Small pure decisions of the contact-centre floor: an agent's effective state, a contact's queue, and
what a waiting customer is told."""

from __future__ import annotations

import math
from collections.abc import Sequence

from handoff import routing
from tandem.config import HandoffSettings

# Buttons a customer gets once the wait passes the queue's maximum, or at once with nobody signed in.
KEEP_WAITING, TICKET, CALLBACK = "/handoff_keep_waiting", "/handoff_ticket", "/handoff_callback"
ALTERNATIVES = [
    {"title": "Keep waiting", "payload": KEEP_WAITING},
    {"title": "Leave a message", "payload": TICKET},
    {"title": "Request a callback", "payload": CALLBACK},
]

# States an agent may choose; busy and wrap_up are the floor's, derived from their work.
CHOSEN_STATES = frozenset({routing.AVAILABLE, routing.AWAY, routing.OFFLINE})


def effective_state(
    chosen: str,
    *,
    active_chats: int,
    active_calls: int,
    wrap_ups: int,
    chat_capacity: int,
    voice_capacity: int,
) -> str:
    """What the floor sees: away and offline as chosen; an available agent who is only finishing notes
    is in wrap-up, and one full on every channel is busy."""
    if chosen != routing.AVAILABLE:
        return chosen
    if wrap_ups and not (active_chats or active_calls):
        return routing.WRAP_UP
    if active_chats >= chat_capacity and active_calls >= voice_capacity:
        return routing.BUSY
    return routing.AVAILABLE


def queue_for(reason: str | None, intents: Sequence[str], settings: HandoffSettings) -> str:
    """By the escalation's reason if config names one, else by the latest intent with a queue."""
    if reason in settings.queue_by_reason:
        return settings.queue_by_reason[reason]
    for intent in reversed(intents):
        if intent in settings.queue_by_intent:
            return settings.queue_by_intent[intent]
    return settings.default_queue


def wait_phrase(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def position_message(position: int, expected_wait_s: float, staffed: int) -> str:
    if staffed == 0:
        return (
            f"You are number {position} in the queue. No colleague is signed in for this right now; "
            "you can keep waiting, or leave a message or ask for a callback."
        )
    place = "next in the queue" if position == 1 else f"number {position} in the queue"
    return f"You are {place}; the expected wait is {wait_phrase(expected_wait_s)}."


def handoff_message(queue_title: str) -> str:
    return (
        f"I'm passing you to a colleague from our {queue_title} team. They will see our whole "
        "conversation, so you won't need to repeat anything."
    )
