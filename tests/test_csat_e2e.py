"""Customer satisfaction end to end: a customer ends a chat, rates it 4 with a comment in the chat page,
cannot rate it twice, and the supervisor's dashboard counts it (csat_roundtrip_ok)."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.desk.floor import PASSWORD, add_agent, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_a_customer_rates_the_chat_and_the_supervisor_sees_it(browser: Browser, stack: Stack) -> None:
    supervisor_name = await add_agent(stack, role=Role.SUPERVISOR, skills=())
    supervisor = await sign_in(stack, supervisor_name)
    async with supervisor.get("/api/supervisor/csat") as response:
        before = (await response.json())["queues"].get("bot", {"ratings": 0})["ratings"]

    context = await browser.new_context()
    try:
        chat = await context.new_page()
        await chat.goto(stack.gateway_url + "/")
        await expect(chat.locator("#status")).to_contain_text("Connected", timeout=WAIT_MS)
        await chat.get_by_label("Your message").fill("What are your opening hours?")
        await chat.keyboard.press("Enter")
        await expect(chat.locator(".msg.bot").first).to_be_visible(timeout=WAIT_MS)
        conversation = await chat.evaluate("localStorage.getItem('tandem.conversation')")
        async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
            async with http.post(f"/api/conversations/{conversation}/rating", json={"score": 5}) as response:
                assert response.status == 409 and (await response.json())["error"]["code"] == "not_ended"

            await chat.get_by_test_id("end-chat").click()
            form = chat.get_by_test_id("rating-form")
            await expect(form).to_be_visible(timeout=WAIT_MS)
            await form.get_by_label("4 – good").check()
            await form.get_by_label("Anything you'd like to add? (optional)").fill("Quick and clear.")
            await form.get_by_role("button", name="Send rating").click()
            await expect(chat.get_by_test_id("rating-thanks")).to_have_text("Thank you for your feedback.")
            await expect(form).to_be_hidden()

            async with http.post(f"/api/conversations/{conversation}/rating", json={"score": 1}) as response:
                assert response.status == 409 and (await response.json())["error"]["code"] == "already_rated"
        token = stack.secrets.service_token.get_secret_value()
        async with (
            aiohttp.ClientSession(
                base_url=stack.internal_url, headers={"Authorization": f"Bearer {token}"}
            ) as service,
            service.get(f"/api/conversations/{conversation}") as response,
        ):
            assert (await response.json())["outcome"]["bot_resolved"] is True  # no person involved

        # The dashboard: the bot-only group counts one more rating.
        async with supervisor.get("/api/supervisor/csat") as response:
            bot = (await response.json())["queues"]["bot"]
        assert bot["ratings"] == before + 1 and bot["average"] is not None
        dashboard = await context.new_page()
        await dashboard.goto(stack.gateway_url + "/desk/login")
        await dashboard.get_by_test_id("username").fill(supervisor_name)
        await dashboard.get_by_test_id("password").fill(PASSWORD)
        await dashboard.get_by_test_id("sign-in").click()
        row = dashboard.get_by_test_id("table-csat").locator("tr[data-queue='bot']")
        await expect(row).to_be_visible(timeout=WAIT_MS)
        await expect(row.locator("td").nth(1)).to_have_text(str(bot["ratings"]))
    finally:
        await context.close()
        await supervisor.close()
