"""Queues on the Queues page, in headless Chromium against the real stack: a supervisor adds a queue and
changes it; a bad name is refused with its reason; the new queue is at once one agents can be given the
skill for and transfer to. Agents cannot open the page or its API."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.desk.floor import Desk, add_agent, sign_in
from tests.desk.pages import supervisor_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 20_000


async def test_a_supervisor_adds_a_queue_and_changes_it(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    page = await supervisor_dashboard(browser, contexts, stack)
    await page.get_by_test_id("queues-link").click()
    await expect(page.locator("[data-testid=queue-row][data-queue=general]")).to_be_visible(timeout=WAIT_MS)

    await page.get_by_test_id("queues-add").click()
    await page.get_by_test_id("queue-name").fill("Bad Name")
    await page.get_by_test_id("queue-save").click()
    await expect(page.get_by_test_id("queues-error")).to_contain_text("lower-case", timeout=WAIT_MS)

    name = f"mortgages_{uuid.uuid4().hex[:6]}"
    await page.get_by_test_id("queue-name").fill(name)
    await page.get_by_test_id("queue-skills").fill("Mortgages")
    await page.get_by_test_id("queue-sla").fill("45")
    await page.get_by_test_id("queue-save").click()
    await expect(page.get_by_test_id("queues-saved")).to_have_text(f"Saved {name}: it applies now.")
    row = page.locator(f"[data-testid=queue-row][data-queue={name}]")
    await expect(row).to_contain_text("mortgages")
    await expect(row.locator("td").nth(3)).to_have_text("45")

    await row.get_by_test_id("queue-edit").click()
    await page.get_by_test_id("queue-overflow-to").get_by_label("general").check()
    await page.get_by_test_id("queue-save").click()
    await expect(row.locator("td").nth(5)).to_have_text("general", timeout=WAIT_MS)

    # At once, without a restart: an account may be given the skill, and agents may transfer there.
    supervisor_api = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    agent = await sign_in(stack, await add_agent(stack))
    try:
        async with supervisor_api.get("/api/admin/agents") as response:
            assert "mortgages" in (await response.json())["skills"]
        desk = await Desk.open(agent)
        try:
            hello = await desk.wait_for("hello")
            assert name in hello["queues"]
        finally:
            await desk.close()
        async with agent.get("/desk/queues") as response:
            assert response.status == 403
        async with agent.get("/api/admin/queues") as response:
            assert response.status == 403
        async with agent.put(f"/api/admin/queues/{name}", json={}) as response:
            assert response.status == 403
    finally:
        await supervisor_api.close()
        await agent.close()
