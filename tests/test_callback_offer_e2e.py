"""A caller's callback request offered on the desk in headless Chromium, like a waiting call; the agent
accepts, and real SIP test phones stand for the agent's phone (rung first) and the customer's."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.tickets import reference
from tandem.isolated import free_port
from tandem.processes import Stack
from tests.desk.callbacks import agent_phone, callback_ticket, calls, cancel_retries, customer_phone
from tests.desk.floor import PASSWORD, add_agent, eventually, sign_in
from tests.desk.pages import open_page
from tests.voice.speech import heard_text
from tests.voice.stack import wait_voice_ready

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_a_callback_request_is_offered_on_the_desk_and_accepting_it_calls_the_customer(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], tmp_path: Path
) -> None:
    wait_voice_ready(stack)
    port = free_port()
    username = await add_agent(stack, sip_uri=f"sip:agent@127.0.0.1:{port}")
    desk = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await desk.get_by_test_id("username").fill(username)
    await desk.get_by_test_id("password").fill(PASSWORD)
    await desk.get_by_test_id("sign-in").click()
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await desk.get_by_test_id("state-select").select_option("available")

    # The phones first: the test stack's offers expire after 3 s.
    agent = agent_phone(
        tmp_path, port, "agent", "Hello, this is Northwind Bank calling you back about your card."
    )
    heard = tmp_path / "customer.wav"
    customer = customer_phone(tmp_path, stack, "customer", "--record", str(heard), "--duration", "10")
    try:
        ticket = await callback_ticket(stack, "5550186")  # the caller's "call me back", nobody's yet
        offer = desk.get_by_test_id("offer-dialog")
        await expect(offer).to_be_visible(timeout=WAIT_MS)
        await expect(offer).to_contain_text("Incoming callback request")
        reason = desk.get_by_test_id("offer-reason")
        await expect(reason).to_contain_text("Callback request")
        await expect(reason).to_contain_text(f"{reference(ticket)}: call back on the number ending 186")
        await desk.get_by_test_id("offer-accept").click()
        await expect(offer).to_be_hidden(timeout=WAIT_MS)
        await expect(desk.get_by_test_id("toast")).to_contain_text(f"Calling back for {reference(ticket)}")

        assert customer.wait(60) == 0, customer.describe()
        assert agent.wait(60) == 0, agent.describe()
        assert "calling you back" in heard_text(heard)
        team = await sign_in(stack, username)
        try:
            assert await eventually(lambda: calls(team, ticket, "answered"), wait_s=20)
            async with team.get(f"/api/tickets/{ticket}") as response:
                taken = (await response.json())["ticket"]
            assert taken["assignee"]["display_name"].startswith("Agent ")
        finally:
            await team.close()
    finally:
        await cancel_retries(stack)
