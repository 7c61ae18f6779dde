"""Calling a customer back: which numbers may be dialled, and what follows each attempt.

Pure. An attempt dials the agent's phone first, then the customer (preview dialling), from a voice
worker (voice_gateway/callbacks.py); handoff/callback_service.py keeps the attempts in the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ANSWERED = "answered"  # agent and customer talked
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # the network refused the call
    AGENT_UNREACHABLE = (
        "agent_unreachable"  # the agent's phone did not answer: the customer was never dialled
    )
    REFUSED_NUMBER = "refused_number"  # outside voice.outbound.number_pattern: never dialled


# Outcomes that count as a try at reaching the customer.
CUSTOMER_TRIES = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.FAILED})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    # The pause before the 2nd, 3rd, ... attempt; the last repeats.
    retry_after_s: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or not self.retry_after_s or min(self.retry_after_s) <= 0:
            raise ValueError("need max_attempts >= 1 and positive retry_after_s")


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: float


@dataclass(frozen=True, slots=True)
class Finished:
    reached: bool  # False: the last attempt failed, or the number may not be dialled


def after_attempt(policy: RetryPolicy, tries: int, outcome: Outcome, now: float) -> RetryAt | Finished | None:
    """What follows an attempt, given how many tries at the customer there were, this one included.
    None: nothing automatic (the agent was not reached; the ticket stays with the team)."""
    if outcome is Outcome.ANSWERED:
        return Finished(reached=True)
    if outcome is Outcome.REFUSED_NUMBER:
        return Finished(reached=False)
    if outcome is Outcome.AGENT_UNREACHABLE:
        return None
    if tries >= policy.max_attempts:
        return Finished(reached=False)
    return RetryAt(now + policy.retry_after_s[min(tries, len(policy.retry_after_s)) - 1])


@dataclass(frozen=True, slots=True)
class CallingAgent:
    """An agent as a callback retry sees them."""

    id: str
    signed_in: bool
    available: bool  # their chosen state on the desk
    phone_free: bool  # a phone, and not on a call already
    skills: frozenset[str]
    idle_since: float  # epoch seconds since they last became free: smaller is idle longer


def who_rings_first(first: str, agents: Sequence[CallingAgent], skills: frozenset[str]) -> str | None:
    """The agent whose phone a retry rings first: the one who pressed "Call now" while they are still
    signed in with a phone free; else a signed-in colleague with the queue's skills and a phone, available
    ones first, longest idle first. None: nobody can take it, so the retry waits rather than ring a
    phone at an empty desk."""
    reachable = [a for a in agents if a.signed_in and a.phone_free]
    if any(a.id == first for a in reachable):
        return first
    qualified = [a for a in reachable if skills <= a.skills]
    if not qualified:
        return None
    return min(qualified, key=lambda a: (not a.available, a.idle_since, a.id)).id


MAX_SCHEDULE_AHEAD_S = 14 * 86400


def schedule_error(at: float, now: float) -> str | None:
    """Why a callback may not be scheduled at `at` (epoch seconds), or None if it may."""
    if at <= now:
        return "The time to call back must be in the future."
    if at - now > MAX_SCHEDULE_AHEAD_S:
        return "A callback can be scheduled at most 14 days ahead."
    return None


def dialable(number: str, pattern: str) -> bool:
    """The toll-fraud guard: only numbers that match the whole pattern are ever dialled."""
    return bool(pattern) and re.fullmatch(pattern, number) is not None


def outcome_of_sip_status(code: int) -> Outcome:
    """A customer leg that ended before answer, by its SIP final response."""
    if code in (486, 600):
        return Outcome.BUSY
    if code in (408, 480, 487):
        return Outcome.NO_ANSWER
    return Outcome.FAILED
