"""Browser contexts for the desk's and the customers' pages, one per person, closed after the test."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page


async def open_page(browser: Browser, contexts: list[BrowserContext], url: str) -> Page:
    context = await browser.new_context()
    contexts.append(context)
    page = await context.new_page()
    await page.goto(url)
    return page
