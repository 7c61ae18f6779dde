"""What the gateway records when the bot searched the help centre, and the knowledge gaps' read of it,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from handoff.accounts import add_account
from handoff.store import HandoffStore, Role
from tandem.knowledge_outcome import knowledge_marker
from tandem.store import Sender, Store, utcnow
from workbench import gaps_store


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


async def asked(store: Store, conversation_id: str, text: str, knowledge: dict[str, Any] | None) -> int:
    message = await store.add_message(conversation_id, "web", Sender.CUSTOMER, text)
    entities = [{"entity": "topic", "value": "knowledge", "start": 0, "end": 3}]
    reply = [("I'm sorry, I didn't find an answer to that.", None)]
    await store.record_bot_turn(message, ("nlu_fallback", 0.3, entities), None, reply, knowledge)
    return message.id


async def test_what_the_help_centre_gave_is_kept_with_the_question(store: Store) -> None:
    conversation = await store.start_conversation(await store.new_customer(), "web")
    missed = await asked(
        store, conversation.id, "can I buy bitcoin", knowledge_marker(False, None, None)["knowledge"]
    )
    weak = await asked(
        store, conversation.id, "crypto wallet?", knowledge_marker(True, "card-types", 0.86)["knowledge"]
    )
    not_searched = await asked(store, conversation.id, "hello", None)

    found = {
        g.message.message_id: g
        for g in await gaps_store.searched_questions(store.engine, utcnow() - timedelta(days=1))
    }
    assert set(found) == {missed, weak} and not_searched not in found
    assert (found[missed].answered, found[missed].article, found[missed].score) == (False, None, None)
    assert (found[weak].answered, found[weak].article, found[weak].score) == (True, "card-types", 0.86)
    assert found[weak].message.text == "crypto wallet?"
    # The entities are kept beside it.
    [stored] = [m for m in await store.transcript(conversation.id) if m.id == weak]
    assert stored.data is not None and stored.data["entities"][0]["entity"] == "topic"
    assert await gaps_store.searched_questions(store.engine, utcnow() + timedelta(days=1)) == []

    accounts = await HandoffStore.open(store.engine)
    await add_account(accounts, username="dana", display_name="Dana", password="pw-for-the-test-only",
                      role=Role.DESIGNER, skills=())  # fmt: skip
    [(designer, _)] = [await accounts.credentials("dana")]  # type: ignore[list-item]
    assert {
        g.message.message_id for g in await gaps_store.searched_messages(store.engine, [missed, not_searched])
    } == {missed}
    await gaps_store.handle(store.engine, [missed], "safe-deposit-boxes", designer.id, 1.0)
    await gaps_store.handle(store.engine, [missed, weak], "safe-deposit-boxes", designer.id, 2.0)  # once each
    assert await gaps_store.searched_questions(store.engine, utcnow() - timedelta(days=1)) == []
    assert len(await gaps_store.searched_messages(store.engine, [missed, weak])) == 2  # still known by id
