"""Transfer to a named colleague from the desk, in headless Chromium against the real stack: the agent
picks a colleague at their desk in the transfer list, and the conversation is offered to that colleague,
not to whoever has been idle longest."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.desk.floor import Desk, add_agent, sign_in
from tests.desk.pages import desk_with_a_chat

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_an_agent_transfers_a_chat_to_a_named_colleague(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    page, conversation = await desk_with_a_chat(browser, contexts, stack, http)

    # The colleague signs in now: the longest idle would be the first agent, once their chat is gone.
    colleague = await sign_in(stack, await add_agent(stack))
    desk = await Desk.open(colleague)
    try:
        hello = await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "away"})
        await desk.wait_for("agent", lambda e: e["agent"]["state"] == "away")
        name = hello["agent"]["display_name"]
        await page.get_by_test_id("transfer-queue").focus()  # the list of colleagues is read as it opens
        option = page.get_by_test_id("transfer-queue").locator("option", has_text=name)
        await expect(option).to_have_count(1, timeout=WAIT_MS)
        await page.get_by_test_id("transfer-queue").select_option(await option.get_attribute("value"))
        await page.get_by_test_id("transfer").click()
        await expect(page.get_by_test_id("transcript")).to_be_hidden(timeout=WAIT_MS)

        await desk.send({"type": "state", "state": "available"})  # back from the break: it was kept for them
        offer = await desk.offer_for(conversation)
        assert offer["contact"]["context"]["transferred_to"]["agent_id"] == hello["agent"]["id"]
        await desk.send({"type": "accept", "offer_id": offer["id"]})
        await desk.wait_for("contact", lambda e: e["contact"]["conversation_id"] == conversation)
    finally:
        await desk.close()
        await colleague.close()
