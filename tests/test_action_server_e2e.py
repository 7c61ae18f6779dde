"""The whole stack: Rasa reaches the action server with its secret, a forged call does not, and the
customer's conversation goes on as if the forged call had never been made."""

from __future__ import annotations

import aiohttp
import pytest

from tandem.processes import Stack
from tests.chat_client import reply_text, say, start_conversation
from tests.test_action_server import ALICE_BALANCE, ALICE_SLOTS, action_call
from tests.test_assistant_e2e import verify_with_pin

pytestmark = [pytest.mark.e2e, pytest.mark.security]


async def test_a_forged_call_is_refused_and_the_customer_chats_on(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "what's my balance?")
    answered = await verify_with_pin(http, conversation, "31846207", "482913")
    assert ALICE_BALANCE in reply_text(answered), reply_text(answered)

    # The customer's own conversation id and verified slots, but not Rasa's secret.
    webhook = str(stack.settings.actions.url).rstrip("/") + "/webhook"
    async with aiohttp.ClientSession() as raw:
        for headers in ({}, {"Authorization": "Bearer " + "x" * 43}):
            body = action_call("action_check_balance", conversation, ALICE_SLOTS)
            async with raw.post(webhook, json=body, headers=headers) as response:
                assert response.status == 401
                assert ALICE_BALANCE not in await response.text()

    again = await say(http, conversation, "what's my balance?")
    assert ALICE_BALANCE in reply_text(again), reply_text(again)
