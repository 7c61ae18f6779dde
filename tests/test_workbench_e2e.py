"""The designer's NLU inbox, in headless Chromium against the real stack and a real Rasa: an agent flags a
customer message on the desk as misunderstood; a message the bot could not read goes to the inbox by
itself; a designer labels one with an intent and the other as out of scope, and the examples land in the
training files (the stack's copy). Agents cannot open the workbench; designers cannot open the desk."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import desk_with_a_chat, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
MISREAD = "the hole in the wall swallowed my plastic"
NONSENSE = "flibbertigibbet wobble sprocket"


async def test_a_designer_labels_what_the_bot_missed_into_the_training_files(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    desk, conversation = await desk_with_a_chat(browser, contexts, stack, http)
    await say(http, conversation, MISREAD)
    # Its conversation, whichever the desk shows now: the list previews each one's last message.
    await desk.get_by_test_id("contact-item").filter(has_text=MISREAD).click(timeout=WAIT_MS)
    said = desk.get_by_test_id("message").filter(has_text=MISREAD)
    await said.get_by_test_id("flag-misunderstood").click(timeout=WAIT_MS)
    await expect(said.get_by_test_id("flag-misunderstood")).to_have_text("Flagged for the designers")
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
    finally:
        await agent.close()
        await designer.close()
