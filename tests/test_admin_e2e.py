"""Desk accounts on the Accounts page, in headless Chromium against the real stack: a supervisor adds an
agent, who signs in with the password shown once; a change reaches the account; disabling it ends the
agent's open desk at once and refuses their sign-in; a reset password replaces the old one. Agents
cannot open the page or its API."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.desk.floor import PASSWORD, add_agent, sign_in
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 20_000


async def signed_in_page(browser: Browser, contexts: list[BrowserContext], stack: Stack, username: str,
                         password: str) -> Page:  # fmt: skip
    page = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(password)
    await page.get_by_test_id("sign-in").click()
    return page


async def can_sign_in(stack: Stack, username: str, password: str) -> bool:
    async with (
        aiohttp.ClientSession(base_url=stack.gateway_url) as http,
        http.post("/api/desk/login", json={"username": username, "password": password}) as response,
    ):
        return response.status == 200


async def test_a_supervisor_adds_changes_disables_and_resets_an_agent(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    supervisor = await add_agent(stack, role=Role.SUPERVISOR, skills=())
    admin = await signed_in_page(browser, contexts, stack, supervisor, PASSWORD)
    await expect(admin).to_have_url(f"{stack.gateway_url}/desk/supervisor", timeout=WAIT_MS)
    await admin.get_by_test_id("admin-link").click()
    await expect(admin).to_have_url(f"{stack.gateway_url}/desk/admin", timeout=WAIT_MS)

    username = f"sam-{uuid.uuid4().hex[:6]}"
    await admin.get_by_test_id("admin-add").click()
    await admin.get_by_test_id("admin-username").fill(username)
    await admin.get_by_test_id("admin-name").fill("Sam Patel")
    await admin.get_by_test_id("admin-skills").get_by_label("cards").check()
    await admin.get_by_test_id("admin-chats").fill("2")
    await admin.get_by_test_id("admin-sip").fill("not a phone")
    await admin.get_by_test_id("admin-save").click()
    await expect(admin.get_by_test_id("admin-error")).to_contain_text("SIP address", timeout=WAIT_MS)
    await admin.get_by_test_id("admin-sip").fill("sip:sam@127.0.0.1:5999")
    await admin.get_by_test_id("admin-save").click()
    shown = admin.get_by_test_id("admin-password")
    await expect(shown).to_contain_text(f"Password for {username}: ", timeout=WAIT_MS)
    password = (await shown.inner_text()).split(": ", 1)[1].split(" ")[0]
    row = admin.locator(f"tr[data-username='{username}']")
    await expect(row).to_contain_text("cards")
    await expect(row).to_contain_text("sip:sam@127.0.0.1:5999")

    # The new agent signs in with it, and works on the desk.
    desk = await signed_in_page(browser, contexts, stack, username, password)
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    assert (await desk.goto(f"{stack.gateway_url}/desk/admin")).status == 403  # type: ignore[union-attr]
    await desk.goto(f"{stack.gateway_url}/desk")
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)

    # A change: chats down to one, payments added.
    await row.get_by_test_id("admin-edit").click()
    await admin.get_by_test_id("admin-chats").fill("1")
    await admin.get_by_test_id("admin-skills").get_by_label("payments").check()
    await admin.get_by_test_id("admin-save").click()
    await expect(row).to_contain_text("cards, payments", timeout=WAIT_MS)

    # Disabled: the open desk ends at once, and the password no longer signs in.
    await row.get_by_test_id("admin-disable").click()
    await expect(row.get_by_test_id("admin-status")).to_have_text("Disabled", timeout=WAIT_MS)
    await expect(desk).to_have_url(f"{stack.gateway_url}/desk/login", timeout=WAIT_MS)
    assert not await can_sign_in(stack, username, password)

    # Enabled again with a new password: the old one is refused, the new one signs in.
    await row.get_by_test_id("admin-enable").click()
    await expect(row.get_by_test_id("admin-status")).to_have_text("offline", timeout=WAIT_MS)
    await row.get_by_test_id("admin-reset").click()
    await expect(shown).not_to_contain_text(password, timeout=WAIT_MS)
    renewed = (await shown.inner_text()).split(": ", 1)[1].split(" ")[0]
    assert not await can_sign_in(stack, username, password)
    assert await can_sign_in(stack, username, renewed)


async def test_an_agent_cannot_use_the_accounts_api(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    try:
        async with agent.get("/api/admin/agents") as response:
            assert response.status == 403
        body = {"username": "mallory", "display_name": "M", "role": "supervisor", "skills": [],
                "chat_capacity": 1, "voice_capacity": 0}  # fmt: skip
        async with agent.post("/api/admin/agents", json=body) as response:
            assert response.status == 403
    finally:
        await agent.close()
    assert not await can_sign_in(stack, "mallory", "anything at all")
