"""A message the gateway sends Rasa again (a replay after a gateway died before storing the answer) is
answered from Rasa's tracker, not taken twice: against the stack's real Rasa, through the gateway's own
client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tandem.bot_client import BotClient
from tandem.processes import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def bot(stack: Stack) -> AsyncIterator[BotClient]:
    async with aiohttp.ClientSession() as session:
        yield BotClient(stack.settings.rasa, stack.secrets.rasa_token.get_secret_value(), session)


async def user_messages(bot: BotClient, conversation: str) -> list[str]:
    events = (await bot.tracker(conversation))["events"]
    return [e["text"] for e in events if e["event"] == "user"]


async def test_a_replayed_message_rasa_already_answered_gets_the_same_answer_and_counts_once(
    bot: BotClient,
) -> None:
    conversation = uuid.uuid4().hex
    first = await bot.send(conversation, "I lost my card", {"channel": "web", "tandem_message_id": 41})
    assert first.replies and first.intent

    again = await bot.send(
        conversation, "I lost my card", {"channel": "web", "tandem_message_id": 41, "replay": True}
    )
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert (again.intent, again.requested_slot) == (first.intent, first.requested_slot)
    assert await user_messages(bot, conversation) == ["I lost my card"]


async def test_a_replayed_message_rasa_never_saw_is_taken_as_usual(bot: BotClient) -> None:
    conversation = uuid.uuid4().hex
    await bot.send(conversation, "hi", {"channel": "web", "tandem_message_id": 7})
    turn = await bot.send(
        conversation,
        "what are your opening hours",
        {"channel": "web", "tandem_message_id": 8, "replay": True},
    )
    assert turn.replies
    assert await user_messages(bot, conversation) == ["hi", "what are your opening hours"]
