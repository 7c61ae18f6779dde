"""Callbacks as tables: the numbers that may be dialled, and what follows each attempt."""

from __future__ import annotations

import pytest

from handoff.callbacks import (
    Finished,
    Outcome,
    RetryAt,
    RetryPolicy,
    after_attempt,
    dialable,
    outcome_of_sip_status,
)

POLICY = RetryPolicy(max_attempts=3, retry_after_s=(300.0, 900.0))


@pytest.mark.parametrize(
    ("tries", "outcome", "expected"),
    [
        (1, Outcome.ANSWERED, Finished(reached=True)),
        (1, Outcome.NO_ANSWER, RetryAt(1300.0)),
        (2, Outcome.BUSY, RetryAt(1900.0)),
        (3, Outcome.NO_ANSWER, Finished(reached=False)),  # the last attempt
        (2, Outcome.FAILED, RetryAt(1900.0)),
        (1, Outcome.REFUSED_NUMBER, Finished(reached=False)),  # never retried: the guard said no
        (1, Outcome.AGENT_UNREACHABLE, None),  # the customer was not tried: nothing counts
        (3, Outcome.ANSWERED, Finished(reached=True)),
    ],
)
def test_after_attempt(tries: int, outcome: Outcome, expected: RetryAt | Finished | None) -> None:
    assert after_attempt(POLICY, tries, outcome, 1000.0) == expected


def test_the_last_pause_repeats() -> None:
    policy = RetryPolicy(max_attempts=5, retry_after_s=(60.0,))
    assert after_attempt(policy, 4, Outcome.NO_ANSWER, 0.0) == RetryAt(60.0)


@pytest.mark.parametrize(
    ("number", "pattern", "allowed"),
    [
        ("07700900123", r"0[1-9][0-9]{8,9}", True),
        ("+447700900123", r"0[1-9][0-9]{8,9}", False),
        ("0900123456", r"0[1-8][0-9]{8,9}", False),  # premium rate kept out by the pattern
        ("07700900123;user=phone", r"0[1-9][0-9]{8,9}", False),  # the whole number must match
        ("5550177", r"555[0-9]{4}", True),
        ("5550177", "", False),  # no pattern: nothing may be dialled
    ],
)
def test_only_numbers_matching_the_whole_pattern_are_dialled(
    number: str, pattern: str, allowed: bool
) -> None:
    assert dialable(number, pattern) is allowed


@pytest.mark.parametrize(
    ("code", "outcome"),
    [(486, Outcome.BUSY), (600, Outcome.BUSY), (408, Outcome.NO_ANSWER), (480, Outcome.NO_ANSWER),
     (487, Outcome.NO_ANSWER), (404, Outcome.FAILED), (503, Outcome.FAILED)],
)  # fmt: skip
def test_sip_status_of_an_unanswered_customer_leg(code: int, outcome: Outcome) -> None:
    assert outcome_of_sip_status(code) is outcome


def test_a_policy_without_attempts_is_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0, retry_after_s=(60.0,))
