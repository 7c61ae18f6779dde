"""Schedule a callback from the Tickets page in Chromium: the time is checked, the attempt waits in the
store until then, and the ticket's history says when the call will come."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, BrowserContext, expect

from handoff.tables import callback_attempts
from handoff.tickets import reference
from tandem.app import resolve_store_url
from tandem.processes import Stack
from tandem.store import Store
from tests.desk.callbacks import callback_ticket, cancel_retries
from tests.desk.floor import PASSWORD, add_agent
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def pending_due_at(stack: Stack, ticket: int) -> list[float]:
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        async with store.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(callback_attempts.c.due_at).where(
                    callback_attempts.c.ticket_id == ticket, callback_attempts.c.status == "pending"
                )
            )
            return [row.due_at for row in rows]
    finally:
        await store.close()


async def test_an_agent_schedules_a_callback_for_tomorrow_from_the_tickets_page(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    ticket = await callback_ticket(stack, "5550184")
    page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await page.get_by_test_id("username").fill(await add_agent(stack, sip_uri="sip:agent@127.0.0.1:5999"))
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("sign-in").click()
    await expect(page).to_have_url(f"{stack.gateway_url}/desk", timeout=WAIT_MS)
    await page.goto(f"{stack.gateway_url}/desk/tickets")
    row = page.locator(f"tr[data-ticket='{reference(ticket)}']")
    await row.get_by_role("button", name=reference(ticket)).click()
    detail = page.get_by_test_id("ticket-detail")
    error = page.locator("#error")

    await detail.get_by_test_id("schedule-call").click()
    await expect(error).to_have_text("Choose the date and time to call back.", timeout=WAIT_MS)
    await detail.get_by_test_id("callback-at").fill("2020-01-06T09:00")
    await detail.get_by_test_id("schedule-call").click()
    await expect(error).to_have_text("The time to call back must be in the future.", timeout=WAIT_MS)
    assert await pending_due_at(stack, ticket) == []

    tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=30, second=0, microsecond=0)
    await detail.get_by_test_id("callback-at").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    await detail.get_by_test_id("schedule-call").click()
    history = detail.get_by_test_id("ticket-history")
    await expect(history).to_contain_text("call scheduled for", timeout=WAIT_MS)
    await expect(history).to_contain_text(
        datetime.fromtimestamp(tomorrow.timestamp(), UTC).strftime("at %H:%M UTC")
    )
    try:
        assert await pending_due_at(stack, ticket) == [tomorrow.timestamp()]
        assert tomorrow.timestamp() > time.time() + 3600  # nothing rings now: claim() waits for due_at

        await page.get_by_test_id("call-now").click()  # one call at a time per ticket
        await expect(error).to_contain_text("already scheduled or on its way", timeout=WAIT_MS)
    finally:
        await cancel_retries(stack)
