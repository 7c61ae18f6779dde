"""Rasa stopped mid-conversation: the customer is told, nothing is lost, and the gateway recovers alone."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tandem.conversations import BOT_UNAVAILABLE_TEXT
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript

pytestmark = pytest.mark.e2e


async def test_rasa_down_then_back(http: aiohttp.ClientSession, stack: Stack) -> None:
    conversation = await start_conversation(http)
    assert (await say(http, conversation, "hello"))["bot_available"] is True

    for rasa in stack.rasa_processes:  # every worker: with one left, the conversation moves to it
        rasa.stop()
    try:
        async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
            await ws.receive_json()
            result = await say(http, conversation, "what are your branch opening hours")
            assert result["bot_available"] is False
            assert [r["text"] for r in result["replies"]] == [BOT_UNAVAILABLE_TEXT]

            async with http.get("/health") as response:
                health = await response.json()
            assert response.status == 503
            assert health["components"]["rasa"]["status"] == "down"

            messages = await transcript(http, conversation)
            assert messages[-2]["text"] == "what are your branch opening hours"
            assert messages[-1] == {**messages[-1], "sender": "system", "text": BOT_UNAVAILABLE_TEXT}
    finally:
        for rasa in stack.rasa_processes:
            rasa.start()
    await asyncio.to_thread(stack.wait_healthy, 180)

    # The gateway replays the pending message by itself; the answer lands in the transcript.
    async with asyncio.timeout(60):
        while True:
            messages = await transcript(http, conversation)
            question = next(m for m in messages if m["text"] == "what are your branch opening hours")
            later_bot = [m for m in messages if m["sender"] == "bot" and m["id"] > question["id"]]
            if later_bot:
                break
            await asyncio.sleep(0.5)
    assert question["intent"] is not None
    assert "opening" in " ".join(m["text"] for m in later_bot).lower()
    assert (await say(http, conversation, "thanks"))["bot_available"] is True
