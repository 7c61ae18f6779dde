"""A verified customer who left a message reads the team's answer on another device: once they prove who
they are in a new chat there, the chat names their waiting conversation, opens it, and they answer in it.
The first device is the chat API; the second is the chat page in headless Chromium, a browser that has
never seen this customer."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.floor import TICKET
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import TEST_MAX_WAIT_S, add_agent, eventually, sign_in
from tests.desk.pages import open_page
from tests.test_assistant_e2e import verify_with_pin

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 20_000
CHLOE = ("67254019", "731640")  # the demo bank's customer charged twice at Sainsbury's
REPLY = "We found the second Sainsbury's payment and have refunded it."


async def leave_a_message(http: aiohttp.ClientSession, conversation: str) -> int:
    """Ask for a person, then leave a message when the chat offers it; the new ticket's id."""
    await say(http, conversation, "I want to talk to a person")

    async def offered() -> list[dict[str, Any]]:
        messages = await transcript(http, conversation)
        return [b for m in messages for b in (m["data"] or {}).get("buttons", []) if b["payload"] == TICKET]

    assert await eventually(offered, wait_s=TEST_MAX_WAIT_S + 20), "\n".join(
        str((m["sender"], m["text"][:150], m["data"])) for m in await transcript(http, conversation)
    )
    await say(http, conversation, "Leave a message", TICKET)

    async def reference() -> str | None:
        said = " ".join(m["text"] for m in await transcript(http, conversation) if m["sender"] == "system")
        found = re.search(r"T-(\d{5})", said)
        return found[1] if found else None

    number = await eventually(reference, wait_s=20)
    return int(number)


async def test_a_verified_customer_reads_and_answers_the_teams_reply_on_another_device(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    first = await start_conversation(http)
    await say(http, first, "what's my balance?")
    await verify_with_pin(http, first, *CHLOE)
    ticket = await leave_a_message(http, first)
    team = await sign_in(stack, await add_agent(stack))
    try:
        async with team.post(f"/api/tickets/{ticket}/reply", json={"text": REPLY}) as response:
            assert response.status == 200, await response.text()

        chat = await open_page(browser, contexts, f"{stack.gateway_url}/")
        await expect(chat.locator("#status")).to_have_text("Connected", timeout=WAIT_MS)
        composer = chat.get_by_label("Your message")
        await composer.fill("what's my balance?")
        await composer.press("Enter")
        await expect(chat.locator(".msg.bot").last).to_contain_text("account number", timeout=WAIT_MS)
        await composer.fill(CHLOE[0])
        await composer.press("Enter")
        await chat.get_by_role("button", name=re.compile("PIN")).click(timeout=WAIT_MS)
        await expect(chat.locator(".msg.bot").last).to_contain_text("PIN", timeout=WAIT_MS)
        await composer.fill(CHLOE[1])
        await composer.press("Enter")

        notice = chat.locator(".msg.system").filter(
            has_text=f"Our team has answered your message T-{ticket:05d}"
        )
        await expect(notice).to_be_visible(timeout=WAIT_MS)
        await notice.get_by_test_id("open-waiting").click()
        await expect(chat.locator(".msg.agent").filter(has_text=REPLY)).to_be_visible(timeout=WAIT_MS)
        await expect(chat.get_by_test_id("handoff-banner")).to_contain_text("reply will appear here")
        assert await chat.evaluate("localStorage.getItem('tandem.conversation')") == first
        await composer.fill("Thank you, that was quick.")
        await composer.press("Enter")

        async def answered() -> bool:
            async with team.get(f"/api/tickets/{ticket}") as response:
                body = await response.json()
            return body["ticket"]["status"] == "open" and any(
                event["kind"] == "customer_reply" and "that was quick" in event["text"]
                for event in body["history"]
            )

        assert await eventually(answered, wait_s=20)
    finally:
        # Closed, so that Chloe's later chats in other tests are not pointed at it.
        async with team.post(f"/api/tickets/{ticket}/status", json={"status": "closed"}) as response:
            assert response.status == 200, await response.text()
        await team.close()
