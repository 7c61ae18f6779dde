"""The floor's small decisions: an agent's effective state, a contact's queue, what a waiting customer hears."""

from __future__ import annotations

import pytest

from handoff.floor import effective_state, position_message, queue_for, wait_phrase
from tandem.config import load_settings

HANDOFF = load_settings().handoff


@pytest.mark.parametrize(
    ("chosen", "chats", "calls", "wrap_ups", "expected"),
    [
        pytest.param("available", 0, 0, 0, "available", id="free"),
        pytest.param("available", 2, 0, 0, "available", id="room-for-a-chat"),
        pytest.param("available", 3, 1, 0, "busy", id="full-on-both"),
        pytest.param("available", 3, 0, 0, "available", id="chats-full-call-free"),
        pytest.param("available", 0, 0, 1, "wrap_up", id="only-notes-left"),
        pytest.param("available", 1, 0, 1, "available", id="notes-and-a-live-chat"),
        pytest.param("away", 0, 0, 0, "away", id="away-stays-away"),
        pytest.param("away", 3, 1, 1, "away", id="away-even-when-full"),
        pytest.param("offline", 0, 0, 0, "offline", id="offline"),
    ],
)
def test_effective_state(chosen: str, chats: int, calls: int, wrap_ups: int, expected: str) -> None:
    state = effective_state(
        chosen, active_chats=chats, active_calls=calls, wrap_ups=wrap_ups, chat_capacity=3, voice_capacity=1
    )
    assert state == expected


@pytest.mark.parametrize(
    ("reason", "intents", "queue"),
    [
        pytest.param("complaint", ["card_declined"], "complaints", id="reason-wins"),
        pytest.param("negative_sentiment", [], "complaints", id="anger-to-complaints"),
        pytest.param(
            "customer_request", ["greet", "card_declined", "request_human"], "cards", id="latest-topic"
        ),
        pytest.param(
            "customer_request", ["card_declined", "transfer_failed"], "payments", id="most-recent-topic"
        ),
        pytest.param("repeated_failure", ["nlu_fallback"], "general", id="no-topic"),
        pytest.param(None, [], "general", id="nothing-known"),
    ],
)
def test_queue_for(reason: str | None, intents: list[str], queue: str) -> None:
    assert queue_for(reason, intents, HANDOFF) == queue


@pytest.mark.parametrize(
    ("seconds", "phrase"),
    [(0, "less than a minute"), (59, "less than a minute"), (60, "about 1 minute"), (61, "about 2 minutes")],
)
def test_wait_phrase(seconds: float, phrase: str) -> None:
    assert wait_phrase(seconds) == phrase


@pytest.mark.parametrize(
    ("position", "wait_s", "staffed", "expected"),
    [
        (1, 30, 2, "You are next in the queue; the expected wait is less than a minute."),
        (3, 400, 1, "You are number 3 in the queue; the expected wait is about 7 minutes."),
    ],
)
def test_position_message(position: int, wait_s: float, staffed: int, expected: str) -> None:
    assert position_message(position, wait_s, staffed) == expected


def test_nobody_signed_in_is_said_plainly() -> None:
    message = position_message(1, 0, 0)
    assert "No colleague is signed in" in message and "callback" in message
