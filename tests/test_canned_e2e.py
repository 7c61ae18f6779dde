"""Canned responses in headless Chromium: a supervisor edits a team's list on /desk/canned, and an agent
working a chat types / in the reply box, picks one, fills the placeholder left for them, and sends it."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import PASSWORD, add_agent
from tests.desk.pages import open_page

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000
HOURS = "Our branches are open from 9 to 5 on weekdays, {first_name}."


async def sign_in(page: Page, username: str) -> None:
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(PASSWORD)
    await page.get_by_test_id("sign-in").click()


async def test_a_supervisor_edits_the_list_and_an_agent_uses_it_with_slash(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    editor = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await sign_in(editor, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    await expect(editor).to_have_url(f"{stack.gateway_url}/desk/supervisor", timeout=WAIT_MS)
    await editor.get_by_test_id("canned-link").click()
    await expect(editor).to_have_url(f"{stack.gateway_url}/desk/canned", timeout=WAIT_MS)
    await expect(editor.get_by_test_id("canned-team")).to_have_value("cards", timeout=WAIT_MS)
    await editor.get_by_test_id("canned-team").select_option("general")
    rows = editor.get_by_test_id("canned-row")
    await expect(rows.first.get_by_label("Shortcut")).to_have_value("hello", timeout=WAIT_MS)
    before = await rows.count()

    # A broken list is refused with what is wrong; nothing is saved.
    await editor.get_by_test_id("canned-add").click()
    await rows.last.get_by_label("Shortcut").fill("hello")
    await rows.last.get_by_label("Title").fill("Branch hours")
    await rows.last.get_by_label("Text").fill(HOURS)
    await editor.get_by_test_id("canned-save").click()
    await expect(editor.get_by_test_id("canned-error")).to_contain_text(
        "/hello is used twice", timeout=WAIT_MS
    )
    await rows.last.get_by_label("Shortcut").fill("hours")
    await editor.get_by_test_id("canned-save").click()
    await expect(editor.get_by_test_id("canned-saved")).to_have_text(
        f"Saved: {before + 1} responses for general.", timeout=WAIT_MS
    )
    await expect(editor.get_by_test_id("canned-error")).to_be_hidden()

    # An agent may use the lists but not edit them.
    agent_name = await add_agent(stack)
    desk = await open_page(browser, contexts, f"{stack.gateway_url}/desk/login")
    await sign_in(desk, agent_name)
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    refused = await desk.context.request.get(f"{stack.gateway_url}/desk/canned", max_redirects=0)
    assert refused.status == 403
    await desk.get_by_test_id("state-select").select_option("available")

    conversation = await start_conversation(http)
    await say(http, conversation, "I'd like to talk to a person please")
    await expect(desk.get_by_test_id("offer-dialog")).to_be_visible(timeout=WAIT_MS)
    await desk.get_by_test_id("offer-accept").click()
    composer = desk.get_by_test_id("composer")
    await expect(composer).to_be_enabled(timeout=WAIT_MS)

    await composer.fill("/hou")
    options = desk.get_by_test_id("canned-option")
    await expect(options).to_have_count(1, timeout=WAIT_MS)
    await expect(options.first).to_contain_text("/hours Branch hours")
    await composer.press("Enter")  # inserts, does not send
    await expect(desk.get_by_test_id("canned-list")).to_be_hidden()
    await expect(composer).to_have_value(HOURS)  # a customer we don't know: the agent fills the name in
    await composer.press_sequentially("Sam")  # the placeholder was selected: typing replaces it
    await expect(composer).to_have_value(HOURS.replace("{first_name}", "Sam"))
    await composer.press("Enter")
    sent = HOURS.replace("{first_name}", "Sam")
    await expect(desk.get_by_test_id("transcript")).to_contain_text(sent, timeout=WAIT_MS)
    assert sent in [m["text"] for m in await transcript(http, conversation) if m["sender"] == "agent"]

    await composer.fill("/nothing-like-this")
    await expect(desk.get_by_test_id("canned-list")).to_contain_text("No canned response matches.")
    await composer.press("Enter")  # "/nothing-like-this" is never sent to the customer
    assert not any("nothing-like-this" in m["text"] for m in await transcript(http, conversation))
