"""Desktop notifications on the desk, in headless Chromium. Headless Chromium shows no notifications
and its tab is never in the background, so the page's Notification and visibilityState are stood in
for by a recorder; what is asserted is what the desk asks the browser to show, and when."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import PASSWORD, add_agent, contact_ids_of

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000
RECORDER = """
window.__shown = [];
window.__hidden = false;
Object.defineProperty(Document.prototype, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
class RecordingNotification {
  static permission = "default";
  static async requestPermission() { RecordingNotification.permission = "granted"; return "granted"; }
  constructor(title, options) { window.__shown.push({ title, body: options.body }); }
  close() {}
}
window.Notification = RecordingNotification;
"""


async def test_offers_and_customer_messages_notify_only_while_the_desk_is_in_the_background(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    context = await browser.new_context()
    contexts.append(context)
    await context.add_init_script(RECORDER)
    desk = await context.new_page()
    await desk.goto(f"{stack.gateway_url}/desk/login")
    await desk.get_by_test_id("username").fill(await add_agent(stack))
    await desk.get_by_test_id("password").fill(PASSWORD)
    await desk.get_by_test_id("sign-in").click()
    await expect(desk.get_by_test_id("connection-status")).to_have_text("Connected", timeout=WAIT_MS)
    await desk.get_by_test_id("notify").click()  # the agent allows notifications once
    await expect(desk.get_by_test_id("notify")).to_be_hidden()
    await desk.get_by_test_id("state-select").select_option("available")

    await desk.evaluate("window.__hidden = true")  # the agent works in another window
    conversation = await start_conversation(http)
    await say(http, conversation, "I'd like to talk to a person please")
    await expect(desk.get_by_test_id("offer-dialog")).to_be_visible(timeout=WAIT_MS)
    offered = await desk.get_by_test_id("offer").get_attribute("data-contact-id")
    await desk.evaluate("window.__hidden = false")
    await desk.get_by_test_id("offer-accept").click()  # at once: the test stack's offers expire after 3 s
    assert offered in await contact_ids_of(stack, conversation), "the offer was another test's customer"
    shown = await desk.evaluate("window.__shown")
    assert shown == [{"title": "Incoming chat", "body": "Web visitor is waiting. Accept it on the desk."}]
    await expect(desk.get_by_test_id("composer")).to_be_enabled(timeout=WAIT_MS)
    await say(http, conversation, "my card number is on the back")
    await expect(desk.get_by_test_id("transcript")).to_contain_text("on the back", timeout=WAIT_MS)
    assert len(await desk.evaluate("window.__shown")) == 1  # looking at the desk: no notification

    await desk.evaluate("window.__hidden = true")
    await say(http, conversation, "are you still there?")
    await expect(desk.get_by_test_id("transcript")).to_contain_text("still there", timeout=WAIT_MS)
    last = (await desk.evaluate("window.__shown"))[-1]
    assert last == {"title": "New message from Web visitor", "body": "Open the desk to read it."}
