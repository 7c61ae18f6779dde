"""Writing on the desk, in headless Chromium with the customer's chat page beside it: private notes the
customer never sees, and "is typing" shown both ways."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tandem.processes import Stack
from tests.chat_client import transcript
from tests.desk.floor import PASSWORD, add_agent
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000
NOTE = "Sounds stressed; check the fraud flags before anything else."


async def chat_with_an_agent(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> tuple[Page, Page]:
    """The agent's desk and the customer's chat page, the agent having accepted the chat."""
    desk = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await desk.get_by_test_id("username").fill(await add_agent(stack))
    await desk.get_by_test_id("password").fill(PASSWORD)
    await desk.get_by_test_id("sign-in").click()
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await desk.get_by_test_id("state-select").select_option("available")

    chat = await open_page(browser, contexts, f"{stack.gateway_url}/")
    await expect(chat.locator("#status")).to_have_text("Connected", timeout=WAIT_MS)
    await chat.get_by_label("Your message").fill("I'd like to talk to a person please")
    await chat.keyboard.press("Enter")
    await expect(desk.get_by_test_id("offer-dialog")).to_be_visible(timeout=WAIT_MS)
    await desk.get_by_test_id("offer-accept").click()
    await expect(desk.get_by_test_id("composer")).to_be_enabled(timeout=WAIT_MS)
    await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("chatting with", timeout=WAIT_MS)
    return desk, chat


async def test_a_private_note_shows_on_the_desk_and_never_in_the_customers_chat(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    desk, chat = await chat_with_an_agent(browser, stack, contexts)
    composer = desk.get_by_test_id("composer")
    await desk.get_by_test_id("mode-note").check()
    await expect(composer).to_have_attribute(
        "placeholder", "Write a private note: the customer never sees it…"
    )
    await composer.fill(NOTE)
    await composer.press("Enter")
    note = desk.get_by_test_id("transcript").locator("[data-sender=note]")
    await expect(note).to_contain_text(NOTE, timeout=WAIT_MS)
    await expect(note).to_contain_text("Private note · Agent")

    await desk.get_by_test_id("mode-reply").check()
    await composer.fill("Thanks for waiting, I'm looking at your account now.")
    await composer.press("Enter")
    await expect(chat.locator(".msg.agent")).to_contain_text("looking at your account", timeout=WAIT_MS)
    await expect(chat.locator("#log")).not_to_contain_text("fraud flags")
    conversation = await chat.evaluate("localStorage.getItem('tandem.conversation')")
    assert not any("fraud flags" in m["text"] for m in await transcript(http, conversation))


async def test_each_side_sees_the_other_typing(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    desk, chat = await chat_with_an_agent(browser, stack, contexts)
    customer_typing = desk.get_by_test_id("customer-typing")
    await expect(customer_typing).to_be_hidden()
    await chat.get_by_label("Your message").press_sequentially("my card was")
    await expect(customer_typing).to_have_text("Web visitor is typing…", timeout=WAIT_MS)
    await chat.keyboard.press("Enter")  # the message ends it
    await expect(customer_typing).to_be_hidden(timeout=WAIT_MS)

    agent_typing = chat.locator("#typing")
    await desk.get_by_test_id("composer").press_sequentially("Let me check")
    await expect(agent_typing).to_be_visible(timeout=WAIT_MS)
    await expect(agent_typing).to_have_text("Agent is typing…")
    await desk.get_by_test_id("composer").press("Enter")
    await expect(chat.locator(".msg.agent")).to_contain_text("Let me check", timeout=WAIT_MS)
    await expect(agent_typing).to_be_hidden(timeout=WAIT_MS)

    await desk.get_by_test_id("mode-note").check()  # a private note is no typing the customer sees
    await desk.get_by_test_id("composer").press_sequentially("internal only")
    await chat.wait_for_timeout(1500)
    await expect(agent_typing).to_be_hidden()
