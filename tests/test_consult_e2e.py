"""Consult from the desk, in headless Chromium against the real stack: an agent asks a colleague at a
desk about a live chat; the colleague's desk lists the request, which opens the conversation live; what
the colleague writes reaches the agent as a private note and never the customer. Nobody else may open it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tandem.processes import Stack
from tests.chat_client import say, transcript
from tests.desk.floor import PASSWORD, add_agent, sign_in
from tests.desk.pages import desk_with_a_chat, open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 20_000
ADVICE = "Refund the duplicate payment first, then block the card."


async def desk_page(browser: Browser, contexts: list[BrowserContext], stack: Stack, username: str) -> Page:
    page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("sign-in").click()
    await expect(page.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    return page


async def test_an_agent_consults_a_colleague_who_writes_back_privately(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    alex, conversation = await desk_with_a_chat(browser, contexts, stack, http)

    # The colleague is at their desk, on a break: they may still be asked.
    sam = await desk_page(browser, contexts, stack, await add_agent(stack))
    await sam.get_by_test_id("state-select").select_option("away")
    sam_name = await sam.get_by_test_id("agent-name").text_content()
    assert sam_name
    await alex.get_by_test_id("consult-with").focus()  # the list of colleagues is read as it opens
    option = alex.get_by_test_id("consult-with").locator("option", has_text=sam_name)
    await expect(option).to_have_count(1, timeout=WAIT_MS)
    await alex.get_by_test_id("consult-with").select_option(await option.get_attribute("value"))
    await alex.get_by_test_id("consult").click()
    await expect(alex.get_by_test_id("toast")).to_contain_text(f"Asked {sam_name}", timeout=WAIT_MS)

    request = sam.get_by_test_id("consult-request")
    await expect(request).to_contain_text("asks about a web visitor's chat", timeout=WAIT_MS)
    async with sam.context.expect_page() as opened:
        await request.get_by_test_id("consult-open").click()
    consult = await opened.value
    contact_id = (consult.url.split("contact=", 1)[1]).split("&", 1)[0]
    await expect(consult.get_by_test_id("monitor-state")).to_have_text("Live", timeout=WAIT_MS)
    await expect(consult.get_by_test_id("monitor-title")).to_contain_text("Consulting on")
    seen = consult.get_by_test_id("monitor-transcript")
    await expect(seen).to_contain_text("I want to talk to a person")

    await say(http, conversation, "I was charged twice for the same shopping")
    await expect(seen).to_contain_text("charged twice", timeout=WAIT_MS)
    await consult.get_by_test_id("whisper-text").fill(ADVICE)
    await consult.get_by_test_id("whisper-send").click()
    await expect(consult.get_by_test_id("whisper-text")).to_have_value("", timeout=WAIT_MS)
    note = alex.get_by_test_id("transcript").get_by_text(ADVICE)
    await expect(note).to_be_visible(timeout=WAIT_MS)
    await expect(alex.get_by_test_id("transcript")).to_contain_text(f"Private note · {sam_name}")

    said: list[dict[str, Any]] = await transcript(http, conversation)
    assert "charged twice" in str(said) and ADVICE not in str(said)

    # A colleague who was not asked may not open it, nor ask on a contact that is not theirs.
    outsider = await sign_in(stack, await add_agent(stack))
    try:
        async with outsider.get(f"/api/desk/consults/{contact_id}") as response:
            assert response.status == 403
        async with outsider.post(f"/api/desk/consults/{contact_id}/notes", json={"text": "hi"}) as response:
            assert response.status == 403
        async with outsider.post(
            f"/api/desk/contacts/{contact_id}/consult", json={"colleague_id": "x"}
        ) as response:
            assert response.status == 403
    finally:
        await outsider.close()

    # The agent ends it: the consult page says so, and the request leaves the colleague's desk on reload.
    await alex.get_by_test_id("end").click()
    await alex.get_by_test_id("disposition").select_option("resolved")
    await alex.get_by_test_id("wrap-up-submit").click()
    await expect(consult.get_by_test_id("monitor-state")).to_contain_text("has left", timeout=WAIT_MS)
    await sam.reload()
    await expect(sam.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await expect(sam.get_by_test_id("consults")).to_be_hidden()
