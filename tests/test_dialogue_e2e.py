"""Digressions, out-of-scope requests and the escalation cues a bank must not miss, through the real
stack: what the customer reads, and the contact an agent's desk is offered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tandem.conversations import MASKED_TEXT
from tandem.processes import Stack
from tests.chat_client import reply_text, say, start_conversation, transcript
from tests.desk.floor import Desk, add_agent, clear_queue, sign_in

pytestmark = pytest.mark.e2e

ASKS_ACCOUNT = "account number"
KNOWLEDGE_MISS = ("didn't find an answer", "didn't quite catch")


@pytest.fixture
async def desk(stack: Stack) -> AsyncIterator[Desk]:
    """An available agent with every skill, and an empty queue."""
    await clear_queue(stack)
    session = await sign_in(stack, await add_agent(stack))
    opened = await Desk.open(session)
    await opened.wait_for("hello")
    await opened.send({"type": "state", "state": "available"})
    await opened.wait_for("agent", lambda e: e["agent"]["state"] == "available")
    yield opened
    await opened.close()
    await session.close()


async def test_a_question_and_a_yes_inside_the_lost_card_form(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    assert ASKS_ACCOUNT in reply_text(await say(http, conversation, "I lost my card")).lower()

    answered = reply_text(await say(http, conversation, "thanks, how long until the new one arrives?"))
    assert not any(miss in answered for miss in KNOWLEDGE_MISS), answered
    assert "working days" in answered, answered
    assert ASKS_ACCOUNT in answered.lower(), "the form did not ask its question again: " + answered

    yes = reply_text(await say(http, conversation, "yes"))
    assert "what can I help you with" not in yes.lower(), yes
    assert ASKS_ACCOUNT in yes.lower(), yes


async def test_out_of_scope_gets_an_honest_reply_and_the_form_goes_on(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    alone = reply_text(await say(http, conversation, "what's the weather like in Leeds?"))
    assert "can't help with that" in alone or "outside what I can help with" in alone, alone
    assert "cards" in alone and "balance" in alone, alone

    await say(http, conversation, "what's my balance")
    in_form = reply_text(await say(http, conversation, "can you order me a pizza"))
    assert "can't help with that" in in_form or "outside what I can help with" in in_form, in_form
    assert ASKS_ACCOUNT in in_form.lower(), in_form


async def test_money_gone_in_the_middle_of_a_form_goes_to_a_person_first(
    http: aiohttp.ClientSession, stack: Stack, desk: Desk
) -> None:
    priorities = stack.settings.handoff.escalation.priorities
    conversation = await start_conversation(http)
    await say(http, conversation, "I lost my card")
    said = (
        "someone has taken 3000 pounds out of my account and I don't know who, please help me, I'm panicking"
    )
    reply = reply_text(await say(http, conversation, said))
    assert "person" in reply and ASKS_ACCOUNT not in reply.lower(), reply

    # Typed while the account number was asked for, the words are masked: the bot's reading counts.
    contact = (await desk.offer_for(conversation))["contact"]
    assert contact["reason"] == "fraud", contact["context"]["trigger"]
    assert contact["priority"] == max(priorities.values()), contact


async def test_bereavement_while_choosing_the_card_goes_to_a_person(
    http: aiohttp.ClientSession, stack: Stack, desk: Desk
) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "I need to cancel a card")
    await say(http, conversation, "31846207")
    await say(http, conversation, "Security PIN", '/inform{"verification_method":"pin"}')
    choose = reply_text(await say(http, conversation, "482913"))
    # Which card, or, once another test has blocked one of Alice's two, the confirmation: mid-form either way.
    assert "Which" in choose or "block your" in choose.lower(), choose
    await say(http, conversation, "it was my husband's card really, he passed away last month")

    contact = (await desk.offer_for(conversation))["contact"]
    assert contact["reason"] == "vulnerable", contact["context"]["trigger"]
    assert contact["priority"] == stack.settings.handoff.escalation.priorities["vulnerable"]
    assert "bereavement" in contact["context"]["trigger"]["explanation"]


async def test_bereavement_typed_for_the_account_number_goes_to_a_person_and_stays_masked(
    http: aiohttp.ClientSession, stack: Stack, desk: Desk
) -> None:
    conversation = await start_conversation(http)
    assert ASKS_ACCOUNT in reply_text(await say(http, conversation, "I lost my card")).lower()
    said = "sorry, it's my late husband's card, he died last week and I don't know his account number"
    await say(http, conversation, said)

    contact = (await desk.offer_for(conversation))["contact"]
    assert contact["reason"] == "vulnerable", contact["context"]["trigger"]
    assert contact["priority"] == stack.settings.handoff.escalation.priorities["vulnerable"]
    stored = [m for m in await transcript(http, conversation) if m["sender"] == "customer"]
    assert stored[-1]["text"] == MASKED_TEXT, "an answer to the account number question is masked"
    assert "husband" not in str(stored) and "husband" not in str(contact)
