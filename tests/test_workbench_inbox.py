"""The designer's NLU inbox, pure: which messages need a look, which may never be offered, and how
near-duplicates group (with the real MiniLM model)."""

from __future__ import annotations

import pytest

from knowledge_index.embedder import load_minilm
from workbench.inbox import Candidate, Why, example_text, group, offerable, reasons

THRESHOLD = 0.6


def message(text: str = "where is my card", intent: str | None = "card_arrival", confidence: float | None = 0.9,
            **flags: bool) -> Candidate:  # fmt: skip
    return Candidate(1, "c1", text, intent, confidence, **flags)


@pytest.mark.parametrize(
    ("candidate", "why"),
    [
        (message(intent="nlu_fallback", confidence=0.31), (Why.FALLBACK,)),
        (message(confidence=0.42), (Why.LOW_CONFIDENCE,)),
        (message(confidence=0.9), ()),
        (message(confidence=None), ()),
        (message(confidence=0.9, flagged=True), (Why.FLAGGED,)),
        (
            message(confidence=0.5, escalated=True, flagged=True),
            (Why.LOW_CONFIDENCE, Why.ESCALATED, Why.FLAGGED),
        ),
    ],
)
def test_why_a_message_needs_a_look(candidate: Candidate, why: tuple[Why, ...]) -> None:
    assert reasons(candidate, THRESHOLD) == why


@pytest.mark.parametrize(
    ("candidate", "offered"),
    [
        (message("where is my new card"), True),
        (message("[security details hidden]", masked=True), False),
        (message("my account number is 12345678"), False),
        (message("sort code 20-00-00 please"), False),
        (message("call me on 07700 900123"), False),
        (message("I need [cards](product)"), False),  # read as an entity annotation by Rasa
        (message("   "), False),
        (message("x" * 301), False),
        (message("I was charged £25 twice"), True),
    ],
)
def test_a_message_that_may_hold_a_secret_is_never_offered(candidate: Candidate, offered: bool) -> None:
    assert offerable(candidate) is offered


def test_an_example_is_one_line() -> None:
    assert example_text("  where is\n my   card ") == "where is my card"


def test_near_duplicates_group_and_different_requests_do_not() -> None:
    texts = [
        "where is my new card",
        "my new card hasnt arrived yet",
        "when will my new card come",
        "how do I close my account",
        "I want to close my account",
        "I was charged twice",
        "why was I charged a fee",
    ]
    candidates = [Candidate(i, "c", t, "card_arrival" if i < 2 else None, 0.4) for i, t in enumerate(texts)]
    groups = group(candidates, load_minilm(1).embed(texts), THRESHOLD)
    assert [sorted(m.text for m in g.messages) for g in groups] == [
        sorted(texts[:3]),
        sorted(texts[3:5]),
        ["why was I charged a fee"],  # newest first among the single ones
        ["I was charged twice"],
    ]
    assert groups[0].suggestions == ("card_arrival",) and groups[0].reasons == (Why.LOW_CONFIDENCE,)
    assert group([], load_minilm(1).embed([]), THRESHOLD) == []
