"""What a question asked inside a form is searched with (bot.actions.digression)."""

from __future__ import annotations

import pytest

from bot.actions.digression import digression_query, question_part


@pytest.mark.parametrize(
    ("text", "question"),
    [
        pytest.param(
            "thanks, how long until the new one arrives?", "how long until the new one arrives?", id="thanks"
        ),
        pytest.param("ok so what is the fee", "what is the fee", id="ok-so"),
        pytest.param("Great thanks! When will it come", "When will it come", id="several"),
        pytest.param("thank you very much!", "thank you very much!", id="nothing-else-left"),
        pytest.param("yes", "yes", id="bare-yes"),
        pytest.param("Oklahoma branch hours", "Oklahoma branch hours", id="word-inside-a-word"),
        pytest.param("  what's the fee?  ", "what's the fee?", id="whitespace"),
    ],
)
def test_question_part(text: str, question: str) -> None:
    assert question_part(text) == question


@pytest.mark.parametrize(
    ("text", "intent", "query"),
    [
        pytest.param(
            "thanks, how long until the new one arrives?",
            "card_arrival",
            "how long until the new one arrives? card arrival",
            id="topic-added",
        ),
        pytest.param("what about the weekend?", "nlu_fallback", "what about the weekend?", id="no-topic"),
        pytest.param("is it free?", None, "is it free?", id="no-intent"),
        pytest.param("31846207", "inform", "31846207", id="inform"),
    ],
)
def test_digression_query(text: str, intent: str | None, query: str) -> None:
    assert digression_query(text, intent) == query
