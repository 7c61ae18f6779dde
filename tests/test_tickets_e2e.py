"""Leave a message, for real: a waiting customer leaves one in the chat page, an agent answers it from
the Tickets page, and the customer reads the answer there, live and on their next visit."""

from __future__ import annotations

import re

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import transcript
from tests.desk.floor import PASSWORD, TEST_MAX_WAIT_S, Desk, add_agent, sign_in
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000


async def test_a_message_left_in_the_queue_is_answered_from_the_tickets_page(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    # Someone is signed in but away: the customer is asked to wait, and the wait runs out.
    away = await sign_in(stack, await add_agent(stack))
    desk = await Desk.open(away)
    await desk.wait_for("hello")
    await desk.send({"type": "state", "state": "away"})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "away")

    chat = await open_page(browser, contexts, f"{stack.gateway_url}/")
    await expect(chat.locator("#status")).to_have_text("Connected", timeout=WAIT_MS)
    await chat.get_by_label("Your message").fill("I want to talk to a person")
    await chat.keyboard.press("Enter")
    leave = chat.get_by_role("button", name="Leave a message")
    await expect(leave).to_be_visible(timeout=(TEST_MAX_WAIT_S + 15) * 1000)
    await leave.click()
    notice = chat.locator(".msg.system").filter(has_text="reply in this chat")
    await expect(notice).to_be_visible(timeout=WAIT_MS)
    reference = re.search(r"T-\d{5}", await notice.inner_text())
    assert reference, await notice.inner_text()
    await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("reply will appear here")
    await expect(chat.get_by_test_id("chat-ended")).to_be_hidden()

    # An agent finds it on the Tickets page, with the conversation, and answers.
    agent_page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    agent_name = await add_agent(stack)
    await agent_page.get_by_test_id("username").fill(agent_name)
    await agent_page.get_by_test_id("password").fill(PASSWORD)
    await agent_page.get_by_test_id("sign-in").click()
    await expect(agent_page).to_have_url(f"{stack.gateway_url}/desk", timeout=WAIT_MS)
    await agent_page.get_by_test_id("tickets-link").click()
    await expect(agent_page).to_have_url(f"{stack.gateway_url}/desk/tickets", timeout=WAIT_MS)
    row = agent_page.locator(f"tr[data-ticket='{reference[0]}']")
    await expect(row).to_be_visible(timeout=WAIT_MS)
    await expect(row.get_by_test_id("ticket-due")).to_contain_text("first response in")
    await row.get_by_role("button", name=reference[0]).click()
    detail = agent_page.get_by_test_id("ticket-detail")
    await expect(detail.get_by_test_id("ticket-transcript")).to_contain_text("talk to a person")
    await expect(detail.get_by_test_id("ticket-status")).to_have_text("Open")
    await detail.get_by_test_id("ticket-note-text").fill("Checked the card payments: one is a duplicate.")
    await detail.get_by_role("button", name="Add note").click()
    await expect(detail.get_by_test_id("ticket-history")).to_contain_text(
        "one is a duplicate", timeout=WAIT_MS
    )
    await detail.get_by_test_id("ticket-reply-text").fill(
        "We found the payment: it was charged twice, and we have refunded it."
    )
    await detail.get_by_role("button", name="Send reply").click()
    await expect(detail.get_by_test_id("ticket-status")).to_have_text("Awaiting customer", timeout=WAIT_MS)
    await expect(detail.get_by_test_id("ticket-sla")).not_to_contain_text("first response")

    # The customer reads it live, and again on their next visit, and can answer there.
    reply = chat.locator(".msg.agent").filter(has_text="charged twice")
    await expect(reply).to_be_visible(timeout=WAIT_MS)
    await chat.reload()
    await expect(chat.locator(".msg.agent").filter(has_text="charged twice")).to_be_visible(timeout=WAIT_MS)
    await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("reply will appear here")
    await chat.get_by_label("Your message").fill("Thank you! When will I see the refund?")
    await chat.keyboard.press("Enter")
    await expect(chat.locator(".msg.customer").filter(has_text="When will I see")).to_be_visible(
        timeout=WAIT_MS
    )

    await agent_page.reload()
    await agent_page.locator(f"tr[data-ticket='{reference[0]}']").get_by_role("button").click()
    await expect(detail.get_by_test_id("ticket-status")).to_have_text("Open", timeout=WAIT_MS)
    await expect(detail.get_by_test_id("ticket-history")).to_contain_text("When will I see the refund")

    # The supervisor sees the general queue's ticket backlog on the dashboard.
    supervisor = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await supervisor.get_by_test_id("username").fill(await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    await supervisor.get_by_test_id("password").fill(PASSWORD)
    await supervisor.get_by_test_id("sign-in").click()
    await expect(supervisor).to_have_url(f"{stack.gateway_url}/desk/supervisor", timeout=WAIT_MS)
    backlog = supervisor.get_by_test_id("table-tickets").locator("tr[data-queue='general'] td").first
    await expect(backlog).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=WAIT_MS)

    # The internal note never reaches the customer.
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
        conversation = await chat.evaluate("localStorage.getItem('tandem.conversation')")
        seen = " ".join(m["text"] for m in await transcript(http, conversation))
        assert "charged twice" in seen and "duplicate" not in seen
        # The same visitor starting a chat afresh (their browser forgot it) gets this conversation back.
        visitor = await chat.evaluate("localStorage.getItem('tandem.visitor')")
        async with http.post("/api/conversations", json={"visitor_id": visitor}) as response:
            assert (await response.json())["conversation_id"] == conversation
    await desk.close()
    await away.close()


async def test_the_tickets_api_wants_a_signed_in_desk_from_the_desks_own_pages(stack: Stack) -> None:
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as anonymous:
        for method, path in [
            ("GET", "/api/tickets"),
            ("GET", "/api/tickets/1"),
            ("POST", "/api/tickets/1/reply"),
        ]:
            async with anonymous.request(method, path, json={"text": "hi"}) as response:
                assert response.status == 401, (method, path)
    agent = await sign_in(stack, await add_agent(stack))
    supervisor = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    try:
        async with agent.get("/api/tickets/summary") as response:
            assert response.status == 403  # the floor's figures are the supervisor's
        async with supervisor.get("/api/tickets/summary") as response:
            assert response.status == 200 and "general" in (await response.json())["queues"]
        async with agent.post(
            "/api/tickets/1/note", json={"text": "x"}, headers={"Origin": "https://evil.example"}
        ) as response:
            assert response.status == 403
        async with agent.get("/api/tickets/999999") as response:
            assert response.status == 404
        async with agent.get("/api/tickets?status=nonsense") as response:
            assert response.status == 400
        async with agent.post("/api/tickets", json={"contact_id": "not-a-contact"}) as response:
            assert response.status == 404
    finally:
        await agent.close()
        await supervisor.close()
