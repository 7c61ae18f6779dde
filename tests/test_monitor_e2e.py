"""A supervisor monitors a live chat and whispers to its agent, in headless Chromium against the real
stack: the dashboard links to the conversation, the monitor page follows it live, the whisper reaches the
agent's desk and never the customer. Agents cannot monitor."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.chat_client import say, transcript
from tests.desk.floor import Desk, add_agent, sign_in
from tests.desk.pages import supervisor_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 20_000
WHISPER = "Offer to block the card before anything else."


async def test_a_supervisor_watches_a_live_chat_and_whispers_to_the_agent(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    desk = await Desk.open(agent)
    try:
        await desk.wait_for("hello")
        conversation, contact_id = await desk.take_a_chat(http, "I want to talk to a person")

        page = await supervisor_dashboard(browser, contexts, stack)
        await page.locator(f"a[href='/desk/monitor?contact={contact_id}']").click(timeout=WAIT_MS)
        monitor = page.get_by_test_id("monitor-transcript")
        await expect(page.get_by_test_id("monitor-state")).to_have_text("Live", timeout=WAIT_MS)
        await expect(monitor).to_contain_text("I want to talk to a person")

        # Live: what the customer and the agent say from now on.
        await say(http, conversation, "my card is stuck in the cash machine")
        await expect(monitor).to_contain_text("stuck in the cash machine", timeout=WAIT_MS)
        await desk.send({"type": "send", "contact_id": contact_id, "text": "I'm sorry, let me help."})
        await expect(monitor).to_contain_text("let me help", timeout=WAIT_MS)

        await page.get_by_test_id("whisper-text").fill(WHISPER)
        await page.get_by_test_id("whisper-send").click()
        heard = await desk.wait_for(
            "message", lambda e: e["contact_id"] == contact_id and e["message"]["text"] == WHISPER
        )
        assert heard["message"]["sender"] == "note" and heard["message"]["data"]["whisper"] is True
        await expect(monitor.locator("[data-sender=note]")).to_contain_text(
            "Whisper · Agent", timeout=WAIT_MS
        )
        await expect(page.get_by_test_id("whisper-text")).to_have_value("")

        # The customer never sees it: not in their transcript, not on their socket's hello.
        said: list[dict[str, Any]] = await transcript(http, conversation)
        assert "let me help" in str(said) and WHISPER not in str(said)

        # An agent may not watch or whisper, even on their own contact.
        async with agent.get(f"/api/supervisor/contacts/{contact_id}") as response:
            assert response.status == 403
        async with agent.post(
            f"/api/supervisor/contacts/{contact_id}/whisper", json={"text": "hi"}
        ) as response:
            assert response.status == 403
        async with agent.get("/desk/monitor") as response:
            assert response.status == 403

        # The agent ends it: the monitor says so.
        await desk.send({"type": "end", "contact_id": contact_id})
        await desk.send({"type": "wrap_up", "contact_id": contact_id, "disposition": "resolved", "notes": ""})
        await expect(page.get_by_test_id("monitor-state")).to_contain_text("has left", timeout=WAIT_MS)
    finally:
        await desk.close()
        await agent.close()
