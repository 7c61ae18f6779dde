"""Reports in headless Chromium against the real stack: a supervisor opens today's report from the
dashboard, reads the queue that a customer just waited in, and downloads the same rows as CSV. Agents
cannot read reports."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import supervisor_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_a_supervisor_reads_todays_report_and_downloads_it(
    browser: Browser,
    stack: Stack,
    contexts: list[BrowserContext],
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "I want to talk to a person")  # a contact in the general queue today

    page = await supervisor_dashboard(browser, contexts, stack)
    await page.get_by_test_id("reports-link").click()
    await expect(page).to_have_url(f"{stack.gateway_url}/desk/reports", timeout=WAIT_MS)
    general = page.get_by_test_id("report-queues").locator("tr[data-name='general']")
    await expect(general).to_be_visible(timeout=WAIT_MS)
    await expect(page.get_by_test_id("report-summary")).to_contain_text("contacts")

    async with page.expect_download() as download:
        await page.get_by_test_id("report-csv").click()
    saved = tmp_path / "report.csv"
    await (await download.value).save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("by,name,contacts,answered,abandoned")
    assert any(line.startswith("queue,general,") for line in lines[1:])

    await page.get_by_test_id("report-from").fill("2026-01-02")
    await page.get_by_test_id("report-to").fill("2026-01-01")
    await page.get_by_test_id("report-show").click()
    await expect(page.get_by_test_id("report-error")).to_have_text("The period ends before it starts.")


async def test_agents_cannot_read_reports(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    try:
        for path in ("/api/reports", "/api/reports.csv", "/desk/reports"):
            async with agent.get(path) as response:
                assert response.status == 403, path
    finally:
        await agent.close()
