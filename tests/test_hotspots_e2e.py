"""Complaint hot spots on the dashboard, in headless Chromium against the real stack: three customers
angry about the same thing make a hot spot, and its example opens the conversation on the History page.
Agents cannot read hot spots."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import supervisor_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 30_000
ANGRY = (
    "This is absolutely disgusting, you charged me twice for my shopping and I am furious!",
    "Terrible, awful bank. The same payment was charged twice and now I'm overdrawn, I hate this.",
    "I am so angry, you took my money twice for one order, worst service ever!",
)


async def test_three_customers_angry_about_one_thing_make_a_hot_spot_on_the_dashboard(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    for text in ANGRY:
        await say(http, await start_conversation(http), text)

    page = await supervisor_dashboard(browser, contexts, stack)
    spot = page.get_by_test_id("hotspot").filter(has_text="twice")
    await expect(spot).to_be_visible(timeout=WAIT_MS)
    await expect(spot).to_contain_text("conversations (")
    await spot.get_by_role("link").click()
    await expect(page.get_by_test_id("history-messages")).to_contain_text("twice", timeout=WAIT_MS)


async def test_agents_cannot_read_hot_spots(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    try:
        async with agent.get("/api/supervisor/hotspots") as response:
            assert response.status == 403
    finally:
        await agent.close()
