"""The conversation review's store side, on SQLite and PostgreSQL: the SQL filter for each outcome picks
exactly the conversations the pure definition (workbench/outcomes.py) gives, newest first, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from handoff.store import ContactStatus, HandoffStore
from tandem.ratings import add_rating
from tandem.store import Sender, Store, conversations
from workbench import review_store
from workbench.outcomes import Outcome, outcomes
from workbench.review_store import Cursor


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


async def conversation(store: Store, *said: tuple[Sender, str | None], closed: bool = True) -> str:
    """A conversation where each (sender, intent) spoke in turn."""
    started = await store.start_conversation(await store.new_customer(), "web")
    for sender, intent in said:
        message = await store.add_message(started.id, "web", sender, "words")
        if sender == Sender.CUSTOMER:
            await store.record_bot_turn(
                message, (intent, 0.9 if intent != "nlu_fallback" else 0.2, []), None, []
            )
    if closed:
        await store.close_conversation(started.id, {"reason": "customer_left"})
    return started.id


async def handed_over(store: Store, conversation_id: str, status: ContactStatus) -> None:
    accounts = await HandoffStore.open(store.engine)
    contact = await accounts.enqueue(conversation_id=conversation_id, channel="web", queue="general", priority=0,
                                     reason="customer_request", explanation="", context={}, now=1.0)  # fmt: skip
    await accounts.update_contact(contact.id, status=status)
    await store.close_conversation(conversation_id, {"reason": str(status)})  # enqueueing reopened it


async def test_each_filter_is_the_pure_definition_in_sql(store: Store) -> None:
    asked, answered = (Sender.CUSTOMER, "check_balance"), (Sender.BOT, None)
    contained = await conversation(store, asked, answered)
    fallback = await conversation(store, (Sender.CUSTOMER, "nlu_fallback"), answered)
    escalated = await conversation(store, asked, answered, (Sender.AGENT, None))
    await handed_over(store, escalated, ContactStatus.CLOSED)
    left_queue = await conversation(store, asked, answered, (Sender.SYSTEM, None))
    await handed_over(store, left_queue, ContactStatus.ABANDONED)
    unanswered = await conversation(store, asked, answered, asked, (Sender.SYSTEM, None))
    mid_form = await conversation(store, asked, answered)
    async with store.engine.begin() as conn:
        await conn.execute(
            sa.update(conversations).where(conversations.c.id == mid_form).values(awaiting_slot="pin")
        )
    unhappy = await conversation(store, asked, answered)
    await add_rating(store.engine, unhappy, 1, None)
    happy = await conversation(store, asked, answered)
    await add_rating(store.engine, happy, 5, None)
    going = await conversation(store, asked, closed=False)

    everything = await review_store.page(store.engine, None, None)
    assert [r.id for r in everything] == [going, happy, unhappy, mid_form, unanswered, left_queue, escalated,
                                          fallback, contained]  # fmt: skip
    expected = {
        Outcome.CONTAINED: [happy, unhappy, contained],
        Outcome.ESCALATED: [left_queue, escalated],
        Outcome.FALLBACK: [fallback],
        Outcome.ABANDONED: [mid_form, unanswered, left_queue],
        Outcome.LOW_SATISFACTION: [unhappy],
    }
    for outcome, ids in expected.items():
        assert [r.id for r in everything if outcome in outcomes(r.facts)] == ids, outcome
        assert [r.id for r in await review_store.page(store.engine, outcome, None)] == ids, outcome

    first = await review_store.page(store.engine, None, None, size=4)
    rest = await review_store.page(store.engine, None, Cursor(first[-1].created_at, first[-1].id), size=10)
    assert [r.id for r in first + rest] == [r.id for r in everything]
    assert (await review_store.one(store.engine, left_queue)) == everything[5]
    assert await review_store.handovers(store.engine, left_queue) == [
        {"queue": "general", "reason": "customer_request", "status": "abandoned"}
    ]
