"""Satisfaction ratings: what counts as resolved by the bot alone, what a rating may be, and a rating
stored once per ended conversation in a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handoff.csat import bot_resolved, csat_summary
from handoff.store import HandoffStore
from tandem.ratings import add_rating, checked_rating
from tandem.store import Store
from tandem.validation import InputError


@pytest.mark.parametrize(
    ("had_contact", "awaiting_slot", "reason", "resolved"),
    [
        (False, None, "customer_left", True),
        (False, None, "caller hung up", True),
        (True, None, "customer_left", False),  # a person was asked for
        (False, "verify_account_number", "customer_left", False),  # left in the middle of a form
        (False, None, "no input", False),  # the caller never spoke
        (False, None, "gateway unavailable", False),
        (True, None, "ticket", False),
    ],
)
def test_what_the_bot_resolved_alone(
    had_contact: bool, awaiting_slot: str | None, reason: str, resolved: bool
) -> None:
    assert bot_resolved(had_contact, awaiting_slot, reason) is resolved


@pytest.mark.parametrize(
    ("score", "comment", "expected"),
    [
        (5, None, (5, None)),
        (1, "", (1, None)),
        (4, "  quick and clear  ", (4, "quick and clear")),
        (3, "   ", (3, None)),
    ],
)
def test_a_rating_is_a_score_from_1_to_5_and_an_optional_comment(
    score: object, comment: object, expected: tuple[int, str | None]
) -> None:
    assert checked_rating(score, comment) == expected


@pytest.mark.parametrize(
    ("score", "comment", "code"),
    [(0, None, "invalid_score"), (6, None, "invalid_score"), ("5", None, "invalid_score"), (True, None, "invalid_score"),
     (4.5, None, "invalid_score"), (4, "x" * 1001, "invalid_comment"), (4, 12, "invalid_comment")],
)  # fmt: skip
def test_a_bad_rating_is_refused_clearly(score: object, comment: object, code: str) -> None:
    with pytest.raises(InputError) as refused:
        checked_rating(score, comment)
    assert refused.value.code == code


async def test_a_rating_is_stored_once_and_only_for_an_ended_conversation(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite'}")
    await HandoffStore.open(store.engine)
    conversation = await store.start_conversation(await store.new_customer(), "web")
    with pytest.raises(InputError) as early:
        await add_rating(store.engine, conversation.id, 4, None)
    assert early.value.code == "not_ended"
    await store.close_conversation(conversation.id, {"reason": "customer_left"})
    await add_rating(store.engine, conversation.id, 4, "helpful")
    with pytest.raises(InputError) as twice:
        await add_rating(store.engine, conversation.id, 1, None)
    assert twice.value.code == "already_rated"
    other = await store.start_conversation(await store.new_customer(), "web")
    await store.close_conversation(other.id, {"reason": "customer_left"})  # ended, not rated
    summary = await csat_summary(store.engine, datetime.now(UTC) - timedelta(days=1))
    assert summary["queues"]["bot"] == {"ended": 2, "ratings": 1, "average": 4.0, "response_rate": 0.5}
    await store.close()
