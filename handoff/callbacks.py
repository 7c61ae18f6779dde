"""Calling a customer back: which numbers may be dialled, and what follows each attempt.

Pure. A due retry or scheduled call is offered on a desk like a waiting call (handoff/callback_offers.py);
an attempt dials the agent's phone first, then the customer (preview dialling), from a voice worker
(voice_gateway/callbacks.py); handoff/callback_service.py keeps the attempts in the store.
"""

from __future__ import annotations

import re
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


class AttemptStatus(StrEnum):
    """An attempt's life: waiting for its time and an agent to take it (the router offers it once due),
    ready to dial for the agent who took it (or pressed "Call now"), being dialled by a voice worker
    (the agent's phone rings, then they talk), done (with an outcome)."""

    PENDING = "pending"
    READY = "ready"
    DIALLING = "dialling"
    DONE = "done"


# An agent with an attempt in these is on the phone for it, or about to be: a call against their capacity.
ON_AGENT_PHONE = frozenset({AttemptStatus.READY, AttemptStatus.DIALLING})

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
