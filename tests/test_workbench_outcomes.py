"""How a conversation went (workbench/outcomes.py), pure: each outcome from the facts the store tells."""

from __future__ import annotations

import pytest

from workbench.outcomes import Facts, Outcome, outcomes

C, E, F, A, L = (Outcome.CONTAINED, Outcome.ESCALATED, Outcome.FALLBACK, Outcome.ABANDONED,
                 Outcome.LOW_SATISFACTION)  # fmt: skip


def facts(ended: bool = True, handed_over: bool = False, fallback: bool = False, left_queue: bool = False,
          last_word: str | None = "bot", awaiting_slot: str | None = None, rating: int | None = None) -> Facts:  # fmt: skip
    return Facts(ended, handed_over, fallback, left_queue, last_word, awaiting_slot, rating)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (facts(), (C,)),
        (facts(ended=False), ()),  # still going: nothing yet
        (facts(last_word=None), ()),  # nobody said anything
        (facts(fallback=True), (F,)),
        (facts(handed_over=True, last_word="agent"), (E,)),
        (facts(handed_over=True, left_queue=True, last_word="customer"), (E, A)),
        (facts(last_word="customer"), (A,)),  # the customer's last word went unanswered
        (facts(awaiting_slot="pin"), (A,)),  # left in the middle of the bot's questions
        (facts(ended=False, last_word="customer"), ()),  # still going: not abandoned yet
        (facts(rating=1), (C, L)),
        (facts(rating=2, fallback=True), (F, L)),
        (facts(rating=3), (C,)),
        (facts(handed_over=True, fallback=True, last_word="agent", rating=5), (E, F)),
    ],
)
def test_outcomes(given: Facts, expected: tuple[Outcome, ...]) -> None:
    assert outcomes(given) == expected
