"""The context package an agent gets: built from the transcript, the tracker's slots and the decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.context import articles_shown, build_context, visible_slots
from handoff.policy import Decision, Reason
from tandem.store import Message

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def message(i: int, sender: str, text: str, intent: str | None = None, **data: Any) -> Message:
    return Message(i, "c1", START + timedelta(seconds=i), "web", sender, text, intent, 0.9 if intent else None,
                   None, data or None)  # fmt: skip


TRANSCRIPT = [
    message(1, "customer", "my card was declined", "card_declined", sentiment=-0.1),
    message(2, "bot", "Sorry to hear that."),
    message(3, "customer", "[security details hidden]", None, masked=True),
    message(4, "customer", "this is useless, I'm furious", "complaint", sentiment=-0.8),
]
DECISION = Decision(True, Reason.COMPLAINT, 4, "complaint with sentiment -0.80")
SLOTS = {
    "verified_customer_id": "C1001",
    "verification_status": "verified",
    "verify_secret": "482913",
    "requested_slot": None,
    "handoff_requested": True,
    "kb_articles_shown": [{"slug": "card-declined", "title": "Why was my card declined?"}],
}
PROFILE = {"id": "cust", "display_name": "Alice", "tier": "vip", "identities": [], "history": []}


def test_the_package_has_what_the_agent_needs_and_no_secrets() -> None:
    context = build_context(
        profile=PROFILE, channel="web", transcript=TRANSCRIPT, slots=SLOTS,
        secret_slots=frozenset({"verify_secret"}), decision=DECISION, decided_at=START.isoformat(),
        sentiment_window=2, suggestions=[{"slug": "s", "title": "t", "snippet": "x", "score": 0.7}],
    )  # fmt: skip
    assert "482913" not in str(context)
    assert context["customer"]["verified_customer_id"] == "C1001"
    assert context["trigger"] == {"reason": "complaint", "explanation": DECISION.explanation, "priority": 4,
                                  "at": START.isoformat()}  # fmt: skip
    assert [i["intent"] for i in context["intents"]] == ["card_declined", "complaint"]
    assert [s["score"] for s in context["sentiment"]] == [-0.1, -0.8]
    assert context["sentiment"][-1]["average"] == pytest.approx(-0.45)
    assert context["articles_shown"] == SLOTS["kb_articles_shown"]
    assert context["suggestions"][0]["slug"] == "s"
    summary = context["summary"]
    assert summary.startswith("Alice (VIP) (identity verified) in a chat about complaint, card declined")
    assert "Why was my card declined?" in summary and DECISION.explanation in summary


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        pytest.param({"a": None, "b": [], "c": ""}, {}, id="empty-values-dropped"),
        pytest.param({"verify_secret": "1", "x": 1}, {"x": 1}, id="secret-dropped"),
        pytest.param({"requested_slot": "x", "handoff_requested": True}, {}, id="bookkeeping-dropped"),
    ],
)
def test_visible_slots(slots: dict[str, Any], expected: dict[str, Any]) -> None:
    assert visible_slots(slots, frozenset({"verify_secret"})) == expected


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param(None, [], id="none"),
        pytest.param(
            [{"slug": "a", "title": "A"}, "junk", {"title": "no slug"}],
            [{"slug": "a", "title": "A"}],
            id="junk-skipped",
        ),
    ],
)
def test_articles_shown(shown: Any, expected: list[dict[str, str]]) -> None:
    assert articles_shown({"kb_articles_shown": shown}) == expected


@pytest.mark.security
def test_a_name_known_only_by_caller_id_is_a_hint_in_the_summary() -> None:
    """A number (or a browser) that once verified as Alice proves nothing about today's caller."""
    unverified = {k: v for k, v in SLOTS.items() if k not in ("verification_status", "verified_customer_id")}
    context = build_context(
        profile=PROFILE, channel="phone", transcript=TRANSCRIPT, slots=unverified,
        secret_slots=frozenset({"verify_secret"}), decision=DECISION, decided_at=START.isoformat(),
        sentiment_window=3, suggestions=[],
    )  # fmt: skip
    assert context["summary"].startswith("Possibly Alice (VIP), not verified yet, in a call")
    assert "identity verified" not in context["summary"]
