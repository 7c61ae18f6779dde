"""What the customer's API and socket pass on: an allow-list, so agents' notes, sentiment scores and
the agent's phone address never reach the customer."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.customer_view import customer_event, customer_message, customer_outcome

pytestmark = pytest.mark.security

STORED = {
    "id": 7,
    "created_at": "2026-12-04T23:00:00+00:00",
    "channel": "web",
    "sender": "customer",
    "text": "my card is gone",
    "intent": "card_lost_stolen",
    "confidence": 0.91,
    "data": {"sentiment": -0.4, "entities": [{"entity": "card", "value": "debit"}], "answering": "x"},
}


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"sentiment": -0.4, "entities": [], "answering": "verify_secret"}, None),
        ({"buttons": [{"title": "Yes", "payload": "/affirm"}], "sentiment": 0.1},
         {"buttons": [{"title": "Yes", "payload": "/affirm"}]}),
        ({"agent": "Alex", "agent_id": "a-1"}, {"agent": "Alex"}),
        ({"queue_position": 2, "expected_wait_s": 60}, {"queue_position": 2, "expected_wait_s": 60}),
        ({"masked": True, "payload": "/inform"}, {"masked": True, "payload": "/inform"}),
        (None, None),
    ],
)  # fmt: skip
def test_customer_message_keeps_only_what_the_chat_page_shows(
    data: dict[str, Any] | None, shown: dict[str, Any] | None
) -> None:
    view = customer_message({**STORED, "data": data})
    assert view == {**{k: v for k, v in STORED.items() if k != "data"}, "data": shown}


@pytest.mark.parametrize(
    ("outcome", "shown"),
    [
        (None, None),
        ({"reason": "agent_ended", "queue": "cards", "summary": "resolved: rude caller"}, {"reason": "agent_ended"}),
        ({"reason": "caller hung up", "recording": "/var/rec/call.wav"}, {"reason": "caller hung up"}),
    ],
)  # fmt: skip
def test_customer_outcome_is_how_it_ended_only(
    outcome: dict[str, Any] | None, shown: dict[str, Any] | None
) -> None:
    assert customer_outcome(outcome) == shown


@pytest.mark.parametrize(
    ("event", "shown"),
    [
        ({"type": "handoff", "status": "agent", "agent": {"display_name": "Alex", "sip_uri": "sip:alex@pbx"}},
         {"type": "handoff", "status": "agent", "agent": {"display_name": "Alex"}}),
        ({"type": "handoff", "status": "queued", "queue": "cards"},
         {"type": "handoff", "status": "queued", "queue": "cards"}),
        ({"type": "closed", "outcome": {"reason": "agent_ended", "summary": "resolved: notes"}},
         {"type": "closed", "outcome": {"reason": "agent_ended"}}),
        ({"type": "message", "message": STORED},
         {"type": "message", "message": {**STORED, "data": None}}),
        ({"type": "typing", "on": True}, {"type": "typing", "on": True}),
        ({"type": "ack", "client_id": "c1", "message_id": 7}, {"type": "ack", "client_id": "c1", "message_id": 7}),
        ({"type": "tap", "mode": "listen", "sip_uri": "sip:supervisor@pbx"}, None),
    ],
)  # fmt: skip
def test_customer_event(event: dict[str, Any], shown: dict[str, Any] | None) -> None:
    assert customer_event(event) == shown
