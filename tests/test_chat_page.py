"""The customer chat page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tandem.processes import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
async def page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    context = await browser.new_context()
    opened = await context.new_page()
    await opened.goto(stack.gateway_url + "/")
    await expect(opened.locator("#status")).to_have_text("Connected", timeout=15_000)
    yield opened
    await context.close()


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Your message").fill(text)
    await page.keyboard.press("Enter")


async def test_customer_chats_and_sees_typing_then_the_reply(page: Page) -> None:
    # Record whether the typing indicator was ever shown; it may be brief.
    await page.evaluate(
        """() => { window.sawTyping = false;
        new MutationObserver(() => { if (!document.getElementById('typing').hidden) window.sawTyping = true; })
          .observe(document.getElementById('typing'), { attributes: true }); }"""
    )
    await send(page, "Hello")
    await expect(page.locator(".msg.customer .text")).to_have_text(["Hello"])
    await expect(page.locator(".msg.bot").first).to_be_visible(timeout=20_000)
    assert await page.evaluate("window.sawTyping")
    await expect(page.get_by_label("Your message")).to_have_value("")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "chat.png", full_page=True)


async def test_page_is_accessible_to_keyboard_and_screen_readers(page: Page) -> None:
    assert await page.locator("[role=log][aria-live=polite]").count() == 1
    assert await page.locator("html[lang=en]").count() == 1
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    assert "Skip to message box" in focused


async def test_quick_replies_are_buttons_that_send_their_title(page: Page) -> None:
    await send(page, "zxqv blorp fnord")
    buttons = page.locator("#quick-replies button")
    await expect(buttons.first).to_be_visible(timeout=20_000)
    title = await buttons.first.text_content()
    assert title
    await buttons.first.click()
    await expect(page.locator(".msg.customer .text").last).to_have_text(title)
    await expect(buttons).to_have_count(0)


async def test_reload_keeps_the_conversation(page: Page) -> None:
    await send(page, "thank you")
    await expect(page.locator(".msg.bot").first).to_be_visible(timeout=20_000)
    before = await page.locator(".msg").count()
    await page.reload()
    await expect(page.locator("#status")).to_have_text("Connected", timeout=15_000)
    await expect(page.locator(".msg")).to_have_count(before)


async def test_too_long_message_is_refused_with_a_visible_error(page: Page) -> None:
    await page.get_by_label("Your message").evaluate("el => el.removeAttribute('maxlength')")
    await send(page, "é" * 2100)
    await expect(page.get_by_role("alert")).to_contain_text("too long")
    assert await page.locator(".msg.customer").count() == 0
