"""How a conversation went, pure: the outcomes a designer filters the conversation review by.

Each is decided from a few facts the store can tell (workbench/review_store.py reads them, with the same
definitions in SQL, so a filter over a big store stays indexed). A conversation may have several (handed
over and then left in the queue is escalated and abandoned) or none (still going, or nobody spoke).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tandem.store import Sender

# On the 1-5 CSAT scale (tandem/ratings.py): 1 and 2 are the customers who were unhappy.
LOW_SATISFACTION = 2


class Outcome(StrEnum):
    CONTAINED = "contained"  # the bot alone saw it through
    ESCALATED = "escalated"  # a person was asked for
    FALLBACK = "fallback"  # the NLU could not read some customer message
    ABANDONED = "abandoned"  # the customer left with something unanswered
    LOW_SATISFACTION = "low_satisfaction"  # the customer rated it LOW_SATISFACTION or less


@dataclass(frozen=True, slots=True)
class Facts:
    ended: bool
    handed_over: bool  # a handoff contact exists, whatever became of it
    fallback: bool  # a customer message got nlu_fallback
    left_queue: bool  # a contact was abandoned: the customer left before an agent took it
    last_word: str | None  # the sender of the last message that was not a system notice
    awaiting_slot: str | None  # the bot's question still open (kept when the conversation closes)
    rating: int | None


def abandoned(facts: Facts) -> bool:
    """Ended with the customer's last word unanswered, in the middle of the bot's questions, or in the
    queue before a person took it."""
    return facts.ended and (
        facts.left_queue or facts.last_word == Sender.CUSTOMER or facts.awaiting_slot is not None
    )


def contained(facts: Facts) -> bool:
    """Ended on the bot's answer, no person asked for, nothing the NLU could not read."""
    return (
        facts.ended
        and not facts.handed_over
        and not facts.fallback
        and facts.last_word == Sender.BOT
        and facts.awaiting_slot is None
    )


def outcomes(facts: Facts) -> tuple[Outcome, ...]:
    found = {
        Outcome.CONTAINED: contained(facts),
        Outcome.ESCALATED: facts.handed_over,
        Outcome.FALLBACK: facts.fallback,
        Outcome.ABANDONED: abandoned(facts),
        Outcome.LOW_SATISFACTION: facts.rating is not None and facts.rating <= LOW_SATISFACTION,
    }
    return tuple(outcome for outcome, holds in found.items() if holds)
