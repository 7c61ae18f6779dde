"""Asking for a person: flag the conversation for the human handoff module (the rules acknowledge)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.slots import (
    ACTION_ANSWER_FROM_KNOWLEDGE,
    HANDOFF_REASON,
    HANDOFF_REQUESTED,
    KB_UNANSWERED_QUERY,
    LOCKED,
    VERIFICATION_STATUS,
)

IGNORED_ACTIONS = {"action_listen", "action_extract_slots"}


def _previous_bot_action(tracker: Tracker) -> str | None:
    """The assistant's last action before the customer's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in IGNORED_ACTIONS:
            return event.get("name")
    return None


def handoff_reason(tracker: Tracker) -> str:
    """Why the customer wants a person, for the agent's queue: the most specific reason first."""
    if tracker.get_slot(VERIFICATION_STATUS) == LOCKED:
        return "verification_failed"
    if (
        tracker.get_slot(KB_UNANSWERED_QUERY)
        and _previous_bot_action(tracker) == ACTION_ANSWER_FROM_KNOWLEDGE
    ):
        return "unanswered_question"
    return "customer_request"


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet(HANDOFF_REQUESTED, True), SlotSet(HANDOFF_REASON, handoff_reason(tracker))]
