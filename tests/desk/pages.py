"""Browser contexts for the desk's and the customers' pages, one per person, closed after the test."""

from __future__ import annotations

from typing import Any

import aiohttp
from playwright.async_api import Browser, BrowserContext, Page, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import PASSWORD, add_agent

WAIT_MS = 20_000


async def open_page(browser: Browser, contexts: list[BrowserContext], url: str) -> Page:
    context = await browser.new_context()
    contexts.append(context)
    page = await context.new_page()
    await page.goto(url)
    return page


async def signed_in(browser: Browser, contexts: list[BrowserContext], stack: Stack, username: str) -> Page:
    """The account signed in through the sign-in page, which then goes to its role's page."""
    page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("sign-in").click()
    return page


async def supervisor_dashboard(
    browser: Browser, contexts: list[BrowserContext], stack: Stack, **account: Any
) -> Page:
    """A new supervisor, signed in, on the dashboard."""
    username = await add_agent(stack, role=Role.SUPERVISOR, skills=(), **account)
    page = await signed_in(browser, contexts, stack, username)
    await expect(page).to_have_url(f"{stack.gateway_url}/desk/supervisor", timeout=WAIT_MS)
    return page


async def desk_with_a_chat(
    browser: Browser, contexts: list[BrowserContext], stack: Stack, http: aiohttp.ClientSession
) -> tuple[Page, str]:
    """A new agent signs in on the desk in Chromium and accepts a customer asking for a person: the page,
    and the customer's conversation id."""
    page = await signed_in(browser, contexts, stack, await add_agent(stack))
    await expect(page.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await page.get_by_test_id("state-select").select_option("available")
    conversation = await start_conversation(http)
    await say(http, conversation, "I want to talk to a person")
    await expect(page.get_by_test_id("offer-dialog")).to_be_visible(timeout=WAIT_MS)
    await page.get_by_test_id("offer-accept").click()  # at once: the test stack's offers expire after 3 s
    await expect(page.get_by_test_id("composer")).to_be_enabled(timeout=WAIT_MS)
    return page, conversation
