"""The NLU inbox's store side, on SQLite and PostgreSQL: which customer messages come back as candidates,
with why; a labelled message leaves the inbox; flags and labels are kept once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from handoff.accounts import add_account
from handoff.store import HandoffStore, Role
from tandem.store import Sender, Store, utcnow
from workbench import inbox_store


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


async def said(
    store: Store, conversation_id: str, text: str, intent: str | None, confidence: float | None
) -> int:
    message = await store.add_message(conversation_id, "web", Sender.CUSTOMER, text)
    await store.record_bot_turn(message, (intent, confidence, []), None, [])
    return message.id


async def test_candidates_are_what_the_nlu_missed_doubted_or_an_agent_flagged(store: Store) -> None:
    accounts = await HandoffStore.open(store.engine)
    await add_account(accounts, username="dana", display_name="Dana", password="pw-for-the-test-only",
                      role=Role.DESIGNER, skills=())  # fmt: skip
    [(designer, _)] = [await accounts.credentials("dana")]  # type: ignore[list-item]
    conversation = await store.start_conversation(await store.new_customer(), "web")
    sure = await said(store, conversation.id, "where is my card", "card_arrival", 0.95)
    fallback = await said(store, conversation.id, "gimme dosh", "nlu_fallback", 0.31)
    doubted = await said(store, conversation.id, "card eaten by the wall", "card_not_working", 0.41)
    flagged = await said(store, conversation.id, "freeze it now", "card_lost_stolen", 0.97)
    masked = await said(store, conversation.id, "1234", "inform", 0.2)
    await store.mask_message((await store.transcript(conversation.id))[-1], "[security details hidden]")
    await inbox_store.flag(store.engine, flagged, designer.id, 1.0)
    await inbox_store.flag(store.engine, flagged, designer.id, 2.0)  # twice: kept once

    # A conversation handed over because the bot kept failing: its messages, however sure the NLU was.
    failing = await store.start_conversation(await store.new_customer(), "web")
    kept_failing = await said(store, failing.id, "no I said the other one", "deny", 0.88)
    await accounts.enqueue(conversation_id=failing.id, channel="web", queue="general", priority=0,
                                  reason="repeated_failure", explanation="", context={}, now=5.0)  # fmt: skip

    since = utcnow() - timedelta(days=1)
    found = {c.message_id: c for c in await inbox_store.candidates(store.engine, since, 0.6)}
    assert set(found) == {fallback, doubted, flagged, masked, kept_failing} and sure not in found
    assert found[kept_failing].escalated and not found[doubted].escalated
    assert found[flagged].flagged and not found[doubted].flagged
    assert found[masked].masked and found[masked].text == "[security details hidden]"

    await inbox_store.label(store.engine, [fallback, doubted], "card_not_working", designer.id, 3.0)
    await inbox_store.label(store.engine, [doubted], "card_not_working", designer.id, 4.0)  # kept once
    left = {c.message_id for c in await inbox_store.candidates(store.engine, since, 0.6)}
    assert left == {flagged, masked, kept_failing}
    later = utcnow() + timedelta(minutes=1)
    assert await inbox_store.candidates(store.engine, later, 0.6) == []
    assert [c.message_id for c in await inbox_store.customer_messages(store.engine, [sure, 999_999])] == [
        sure
    ]
