"""Digressions inside a form: a question asked mid-form, or a "yes", "ok" or "thanks" the form cannot use."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# An acknowledgement before the question ("thanks, how long until the new one arrives?"): the search
# must read the question, not the politeness around it.
_ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|thanks?(?: you)?(?: (?:very|so) much)?|cheers|great|lovely|perfect|right|"
    r"cool|yes|yeah|sure|fine|alright|brilliant|and|so)\b[\s,.!;:-]*)+",
    re.IGNORECASE,
)


def question_part(text: str) -> str:
    """The text without leading acknowledgements; the whole text when nothing else is left."""
    rest = _ACKNOWLEDGEMENT.sub("", text, count=1).strip()
    return rest or text.strip()


class ActionContinueForm(Action):
    """Stands between a message the form could not use and the form asking again: without an action
    in between, the form would read the same message as an answer once more."""

    def name(self) -> str:
        return "action_continue_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return []
