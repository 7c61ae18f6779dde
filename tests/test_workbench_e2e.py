"""The designer's NLU inbox, in headless Chromium against the real stack and a real Rasa: an agent flags a
customer message on the desk as misunderstood (the button's request); a message the bot could not read goes to the inbox by
itself; a designer labels one with an intent and the other as out of scope, and the examples land in the
training files (the stack's copy). Agents cannot open the workbench; designers cannot open the desk."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import Desk, add_agent, sign_in
from tests.desk.pages import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
MISREAD = "the hole in the wall swallowed my plastic"
NONSENSE = "flibbertigibbet wobble sprocket"


async def test_a_designer_labels_what_the_bot_missed_into_the_training_files(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    working = await sign_in(stack, await add_agent(stack))
    desk = await Desk.open(working)
    try:
        await desk.wait_for("hello")
        conversation, _contact = await desk.take_a_chat(http, "I want to talk to a person")
        await say(http, conversation, MISREAD)
        heard = await desk.wait_for("message", lambda e: e["message"]["text"] == MISREAD)
        # What the desk's "Bot misunderstood" button sends.
        async with working.post(f"/api/desk/messages/{heard['message']['id']}/flag") as response:
            assert response.status == 200
    finally:
        await desk.close()
        await working.close()
    await say(http, await start_conversation(http), NONSENSE)  # the bot cannot read it: fallback

    page = await signed_in(browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    await expect(page).to_have_url(f"{stack.gateway_url}/designer", timeout=WAIT_MS)
    flagged = page.get_by_test_id("inbox-group").filter(has_text=MISREAD)
    await expect(flagged).to_contain_text("flagged by an agent", timeout=WAIT_MS)
    await flagged.get_by_test_id("inbox-intent").select_option("card_not_working")
    await flagged.get_by_test_id("inbox-label").click()
    status = page.get_by_test_id("designer-status")
    await expect(status).to_contain_text("Added 1 example of card_not_working to training_data/nlu/cards.yml")
    await expect(flagged).to_have_count(0)

    unread = page.get_by_test_id("inbox-group").filter(has_text=NONSENSE)
    await expect(unread).to_contain_text("fallback")
    await unread.get_by_test_id("inbox-out-of-scope").click()
    await expect(status).to_contain_text("of out_of_scope to training_data/nlu/other.yml")

    nlu = stack.settings.resolve(stack.settings.workbench.training_data)
    assert f"      - {MISREAD}\n" in (nlu / "cards.yml").read_text(encoding="utf-8")
    assert f"      - {NONSENSE}\n" in (nlu / "other.yml").read_text(encoding="utf-8")
    await page.reload()  # labelled: out of the inbox
    await expect(page.get_by_test_id("inbox-summary")).not_to_have_text("", timeout=WAIT_MS)
    await expect(page.get_by_test_id("inbox-group").filter(has_text=MISREAD)).to_have_count(0)

    agent = await sign_in(stack, await add_agent(stack))
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        for path in ("/designer", "/api/designer/inbox"):
            async with agent.get(path) as response:
                assert response.status == 403
        async with agent.post(
            "/api/designer/labels", json={"message_ids": [1], "intent": "affirm"}
        ) as response:
            assert response.status == 403
        async with designer.get("/desk") as response:
            assert response.status == 403
        [misread] = [m["id"] for m in await transcript(http, conversation) if m["text"] == MISREAD]
        async with agent.post(f"/api/desk/messages/{misread}/flag") as response:
            assert response.status == 403  # not a conversation this agent works on
    finally:
        await agent.close()
        await designer.close()
