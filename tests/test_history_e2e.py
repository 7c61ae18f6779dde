"""The History page in headless Chromium: an agent finds a chat they handled by its words and reads it
back, private note included; another agent cannot find it or open it."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import PASSWORD, Desk, add_agent, sign_in
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_an_agent_finds_a_chat_they_handled_and_reads_it_back(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    word = f"zebra{uuid.uuid4().hex[:6]}"  # in no other test's conversation
    username = await add_agent(stack)
    agent = await sign_in(stack, username)
    other = await sign_in(stack, await add_agent(stack))
    try:
        desk = await Desk.open(agent)
        await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "available"})
        conversation = await start_conversation(http)
        await say(http, conversation, "I'd like to talk to a person please")
        offer = await desk.offer_for(conversation)
        await desk.send({"type": "accept", "offer_id": offer["id"]})
        contact = (await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active"))["contact"]
        await say(http, conversation, f"The cash machine on the {word} street kept my card")
        await desk.send(
            {"type": "note", "contact_id": contact["id"], "text": "Branch to call about the machine"}
        )
        await desk.send({"type": "end", "contact_id": contact["id"]})
        await desk.wait_for("contact", lambda e: e["contact"]["status"] == "wrap_up")
        await desk.send(
            {"type": "wrap_up", "contact_id": contact["id"], "disposition": "resolved", "notes": "card kept"}
        )
        await desk.wait_for("contact_removed")
        await desk.ws.close()

        page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
        await page.get_by_test_id("username").fill(username)
        await page.get_by_test_id("password").fill(PASSWORD)
        await page.get_by_test_id("sign-in").click()
        await expect(page.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
        await page.get_by_test_id("history-link").click()
        await expect(page).to_have_url(f"{stack.gateway_url}/desk/history", timeout=WAIT_MS)
        await page.get_by_test_id("history-q").fill(f"{word} machine")
        await page.get_by_test_id("history-disposition").select_option("resolved")
        await page.get_by_test_id("history-go").click()
        rows = page.get_by_test_id("history-row")
        await expect(rows).to_have_count(1, timeout=WAIT_MS)
        await expect(rows.first).to_contain_text("resolved")
        await expect(rows.first.locator("mark", has_text=word)).to_have_count(1)  # the words found, marked
        await rows.first.get_by_role("button").click()
        messages = page.get_by_test_id("history-messages")
        await expect(messages).to_contain_text(f"{word} street kept my card", timeout=WAIT_MS)
        await expect(messages.locator("[data-sender=note]")).to_contain_text(
            "Branch to call about the machine"
        )
        await expect(page.get_by_test_id("history-transcript")).to_contain_text("wrap-up notes: card kept")

        async with other.get("/api/history", params={"q": word}) as response:
            assert (await response.json())["conversations"] == []  # not theirs
        async with other.get(f"/api/history/{conversation}") as response:
            assert response.status == 404
    finally:
        await agent.close()
        await other.close()
