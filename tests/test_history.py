"""Searching past conversations on a real SQLite file: words (full-text, stemmed), customer, dates,
queue, disposition and agent; masked answers never found; an agent sees only what they handled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from handoff.accounts import Role, add_account
from handoff.history import HistoryQuery, match_expression, search
from handoff.store import HandoffStore
from tandem.conversations import MASKED_TEXT
from tandem.store import Sender, Store, customers


@dataclass
class Past:
    store: Store
    contacts: HandoffStore
    declined: str  # Alice's, cards queue, resolved by Ann
    charged: str  # payments queue, a follow-up by Bob
    bot_only: str  # nobody's
    ann: str
    bob: str


async def conversation(past_store: Store, contacts: HandoffStore, who: str, lines: list[str],
                       handled: tuple[str, str, str] | None) -> str:  # fmt: skip
    customer = await past_store.customer_for_identity("phone", who)
    started = await past_store.start_conversation(customer, "phone")
    for line in lines:
        await past_store.add_message(started.id, "phone", Sender.CUSTOMER, line)
    if handled:
        queue, agent, disposition = handled
        contact = await contacts.enqueue(conversation_id=started.id, channel="phone", queue=queue, priority=1,
                                         reason="customer_request", explanation="", context={}, now=1.0)  # fmt: skip
        await contacts.update_contact(contact.id, agent_id=agent, disposition=disposition)
    return started.id


async def agent(contacts: HandoffStore, username: str, name: str) -> str:
    await add_account(contacts, username=username, display_name=name, password="correct horse battery",
                      role=Role.AGENT, skills=("cards",))  # fmt: skip
    found = await contacts.credentials(username)
    assert found is not None
    return found[0].id


@pytest.fixture
async def past(store_url: str) -> AsyncIterator[Past]:
    store = await Store.open(store_url)
    contacts = await HandoffStore.open(store.engine)
    ann, bob = await agent(contacts, "ann", "Ann Lee"), await agent(contacts, "bob", "Bob Kay")
    declined = await conversation(store, contacts, "+447700900001",
                                  ["My card was declined when I was abroad", "It happened twice in Paris"],
                                  ("cards", ann, "resolved"))  # fmt: skip
    charged = await conversation(store, contacts, "+447700900002", ["I was charged twice for one coffee"],
                                 ("payments", bob, "follow_up_needed"))  # fmt: skip
    bot_only = await conversation(store, contacts, "+447700900003", ["What time do you open?"], None)
    alice = await store.get_conversation(declined)
    assert alice is not None
    async with store.engine.begin() as conn:
        await conn.execute(
            sa.update(customers)
            .where(customers.c.id == alice.customer_id)
            .values(display_name="Alice Morgan")
        )
    yield Past(store, contacts, declined, charged, bot_only, ann, bob)
    await store.close()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        (HistoryQuery(words="declined abroad"), ["declined"]),
        (HistoryQuery(words="decline"), ["declined"]),  # stemmed
        (HistoryQuery(words="twice"), ["charged", "declined"]),  # newest first
        (HistoryQuery(words="twice", queue="payments"), ["charged"]),
        (HistoryQuery(disposition="resolved"), ["declined"]),
        (HistoryQuery(customer="alice"), ["declined"]),
        (HistoryQuery(customer="900003"), ["bot_only"]),  # by the number they called from
        (HistoryQuery(words='twice"*(^'), ["charged", "declined"]),  # never read as query syntax
        (HistoryQuery(words="mortgage"), []),
        (HistoryQuery(since=datetime.now(UTC) + timedelta(days=1)), []),
        (HistoryQuery(until=datetime.now(UTC) + timedelta(days=1)), ["bot_only", "charged", "declined"]),
    ],
)
async def test_search(past: Past, query: HistoryQuery, found: list[str]) -> None:
    names = {past.declined: "declined", past.charged: "charged", past.bot_only: "bot_only"}
    assert [names[f.conversation_id] for f in await search(past.store.engine, query, None)] == found


async def test_a_hit_shows_its_words_and_the_contact(past: Past) -> None:
    [hit] = await search(past.store.engine, HistoryQuery(words="abroad"), None)
    assert hit.snippet is not None and "[abroad]" in hit.snippet
    assert (hit.customer, hit.queue, hit.disposition, hit.agent) == (
        "Alice Morgan",
        "cards",
        "resolved",
        "Ann Lee",
    )


async def test_an_agent_finds_only_the_conversations_they_handled(past: Past) -> None:
    mine = await search(past.store.engine, HistoryQuery(), handled_by=past.ann)
    assert [f.conversation_id for f in mine] == [past.declined]
    by_bob = await search(past.store.engine, HistoryQuery(agent_id=past.bob), handled_by=None)
    assert [f.conversation_id for f in by_bob] == [past.charged]


async def test_a_masked_security_answer_is_never_found(past: Past) -> None:
    said = await past.store.add_message(past.bot_only, "phone", Sender.CUSTOMER, "my PIN is 482913")
    assert await search(past.store.engine, HistoryQuery(words="482913"), None)
    await past.store.mask_message(said, MASKED_TEXT)
    assert await search(past.store.engine, HistoryQuery(words="482913"), None) == []


@pytest.mark.parametrize(
    ("words", "expression"), [("Card declined!", '"card" "declined"'), ("* OR", '"or"'), ("", None)]
)
def test_match_expression(words: str, expression: str | None) -> None:
    assert match_expression(words) == expression
