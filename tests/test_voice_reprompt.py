"""After a silence the caller hears the bot's pending question again, not a fresh "how can I help"."""

from __future__ import annotations

import pytest

from voice_gateway.reprompt import pending_request, reprompt

OFFER = "You can activate it in the app. There are four steps. Would you like the steps?"
STEP = "Step 1 of 4: Open the Northwind app and tap Cards. Say next for the next step, or repeat."
ACCOUNT = "For your security I'll verify you first. Please key in your 8-digit account number. It's on your card letter."
ANSWER = "Our branches open 09:00 to 17:00 on weekdays."


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ([], None),
        ([OFFER], "Would you like the steps?"),
        ([STEP], "Say next for the next step, or repeat."),
        ([ACCOUNT], "Please key in your 8-digit account number."),
        ([ANSWER], None),
        (["Which card? Your debit card or your credit card?", ANSWER], None),  # only the last reply counts
        ([ANSWER, "Is there anything else?"], "Is there anything else?"),
        (["  Shall I block it?  "], "Shall I block it?"),
    ],
)
def test_the_pending_request_is_the_last_question_or_request_of_the_last_reply(
    replies: list[str], expected: str | None
) -> None:
    assert pending_request(replies) == expected


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ([OFFER], ["Sorry, I didn't hear anything.", "Would you like the steps?"]),
        ([ANSWER], ["Sorry, I didn't hear anything. How can I help you today?"]),
        ([], ["Sorry, I didn't hear anything. How can I help you today?"]),
    ],
)
def test_a_silence_repeats_the_pending_question_or_falls_back(
    replies: list[str], expected: list[str]
) -> None:
    assert (
        reprompt(
            replies,
            "Sorry, I didn't hear anything.",
            "Sorry, I didn't hear anything. How can I help you today?",
        )
        == expected
    )
