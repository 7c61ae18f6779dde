"""Two Rasa workers: a conversation stays on its own, and when that one dies the other carries on
from where it was, mid-form, without the customer noticing."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tandem.processes import Stack
from tandem.rasa_workers import failover_order
from tests.chat_client import reply_text, say, start_conversation

pytestmark = pytest.mark.e2e


async def workers_up(http: aiohttp.ClientSession) -> int:
    async with http.get("/health") as response:
        return int((await response.json())["components"]["rasa"]["detail"]["workers_up"])


async def test_a_dead_workers_conversation_goes_on_with_the_other(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    workers = stack.rasa_processes
    assert len(workers) == stack.settings.rasa.workers >= 2, "config.yml runs several Rasa workers"
    conversation = await start_conversation(http)
    assert "account number" in reply_text(await say(http, conversation, "I lost my card")).lower()

    pinned = workers[failover_order(conversation, len(workers))[0]]
    pinned.stop()
    try:
        assert await workers_up(http) == len(workers) - 1
        # The form's next step: the other worker read the conversation from the shared tracker store.
        result = await say(http, conversation, "31846207")
        assert result["bot_available"] is True
        asked = reply_text(result).lower()
        assert "confirm it's you" in asked or "rather give me" in asked, result  # the form's next question
    finally:
        pinned.start()
    async with asyncio.timeout(180):
        while True:  # back for the tests that follow
            if await workers_up(http) == len(workers):
                break
            await asyncio.sleep(1)
