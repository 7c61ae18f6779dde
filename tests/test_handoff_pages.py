"""The human handoff in real headless Chromium: a customer's chat page, an agent's desk and a
supervisor's dashboard, three browser contexts on the real stack."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.desk.floor import PASSWORD, add_agent
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000
# An angry complaint escalates as a complaint or as negative sentiment, as the policy weighs it.
UPSET = re.compile("complaint|sentiment", re.IGNORECASE)


async def sign_in(page: Page, username: str) -> None:
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("sign-in").click()


async def customer_says(page: Page, text: str) -> None:
    await page.get_by_label("Your message").fill(text)
    await page.keyboard.press("Enter")


async def test_an_angry_chat_goes_to_an_agent_who_answers_and_hands_back_while_the_supervisor_watches(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    supervisor = await open_page(browser, contexts, f"{stack.gateway_url}/desk")
    await expect(supervisor).to_have_url(f"{stack.gateway_url}/desk/login")
    await sign_in(supervisor, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    await expect(supervisor).to_have_url(f"{stack.gateway_url}/desk/supervisor", timeout=WAIT_MS)
    await expect(supervisor.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)

    desk = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await sign_in(desk, await add_agent(stack))
    await expect(desk).to_have_url(f"{stack.gateway_url}/desk", timeout=WAIT_MS)
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await desk.get_by_test_id("state-select").select_option("available")
    available = supervisor.get_by_test_id("chart-agents").get_by_role("listitem", name="Available: 1")
    await expect(available).to_be_visible(timeout=WAIT_MS)
    # This agent has no phone on file: routing offers them chats only, and both pages say so.
    await expect(supervisor.get_by_test_id("table-agents")).to_contain_text(
        "Available (chat only)", timeout=WAIT_MS
    )
    await expect(desk.get_by_test_id("capacity")).to_contain_text("Chat only (no phone on file)")

    # 1-2: the customer complains angrily; the chat page says a person is coming.
    chat = await open_page(browser, contexts, f"{stack.gateway_url}/")
    await expect(chat.locator("#status")).to_have_text("Connected", timeout=WAIT_MS)
    await customer_says(chat, "my card keeps getting declined")
    await expect(chat.locator(".msg.bot").first).to_be_visible(timeout=WAIT_MS)
    await customer_says(chat, "This is absolutely useless, I'm furious with this bank!")
    await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("Waiting", timeout=WAIT_MS)
    await expect(chat.locator(".msg.system").first).to_contain_text("colleague")

    # 3: the agent is offered it, with the context; the supervisor sees it live.
    offer = desk.get_by_test_id("offer-dialog")
    await expect(offer).to_be_visible(timeout=WAIT_MS)
    await expect(desk.get_by_test_id("offer-summary")).to_contain_text("card declined")
    await expect(desk.get_by_test_id("offer-reason")).to_contain_text(UPSET)
    await expect(supervisor.get_by_test_id("table-contacts")).to_contain_text("complaints", timeout=WAIT_MS)

    # 4: accept; the customer is told who joined.
    await desk.get_by_test_id("offer-accept").click()
    await expect(offer).to_be_hidden(timeout=WAIT_MS)
    await expect(desk.get_by_test_id("transcript")).to_contain_text("I'm furious", timeout=WAIT_MS)
    await expect(desk.get_by_test_id("context-summary")).to_contain_text("card declined")
    # The bot's help-centre answer reads on the desk as on the chat page: Markdown rendered, source linked.
    answer = desk.get_by_test_id("transcript").locator("[data-sender=bot]").first
    await expect(answer.locator("a[href^='/help/']")).to_have_count(1)
    await expect(answer).not_to_contain_text("**")
    await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("chatting with", timeout=WAIT_MS)

    # 5: messages both ways.
    await desk.get_by_test_id("composer").fill("I'm sorry about this. Let me look at your card now.")
    await desk.get_by_test_id("send").click()
    await expect(chat.locator(".msg.agent")).to_contain_text("Let me look at your card", timeout=WAIT_MS)
    await customer_says(chat, "thank you, it was declined at the supermarket twice")
    await expect(desk.get_by_test_id("transcript").locator("[data-sender=customer]").last).to_contain_text(
        "supermarket twice", timeout=WAIT_MS
    )
    await expect(desk.get_by_test_id("suggestions")).not_to_be_empty(timeout=WAIT_MS)

    # 6: back to the bot, which answers again.
    await desk.get_by_test_id("handback").click()
    await expect(chat.locator(".msg.system").last).to_contain_text("virtual assistant", timeout=WAIT_MS)
    bot_replies = await chat.locator(".msg.bot").count()
    await customer_says(chat, "what are your opening hours?")
    await expect(chat.locator(".msg.bot")).to_have_count(bot_replies + 1, timeout=WAIT_MS)
    await expect(supervisor.get_by_test_id("chart-reasons")).to_contain_text(UPSET, timeout=WAIT_MS)
