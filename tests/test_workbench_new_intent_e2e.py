"""Starting a new intent from the NLU inbox, in headless Chromium against the real stack and a real Rasa: a
message the bot could not read becomes the first example of an intent the designer names, declared in the
domain (the stack's copies of both); a bad name is refused on the page. Agents cannot start one."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
UNKNOWN = "can my card be made of bamboo"


async def test_a_designer_starts_a_new_intent_from_the_inbox(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, UNKNOWN)

    page = await signed_in(browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    group = page.get_by_test_id("inbox-group").filter(has_text=UNKNOWN)
    name = group.get_by_test_id("inbox-new-intent-name")
    await name.fill("Card Material", timeout=WAIT_MS)
    await group.get_by_test_id("inbox-new-intent").click()
    await expect(page.get_by_test_id("designer-error")).to_contain_text("lower case letters, digits")
    await name.fill("greet")
    await group.get_by_test_id("inbox-new-intent").click()
    await expect(page.get_by_test_id("designer-error")).to_contain_text(
        "There is already an intent called greet"
    )

    await name.fill("card_material")
    await group.get_by_test_id("inbox-new-intent").click()
    status = page.get_by_test_id("designer-status")
    await expect(status).to_contain_text(
        "Started card_material with 1 example in training_data/nlu/new_intents.yml, declared in the "
        "domain (bot/domain/new_intents.yml). The assistant does not answer it until it has a response"
    )
    await expect(group).to_have_count(0)
    settings = stack.settings
    nlu = settings.resolve(settings.workbench.training_data) / "new_intents.yml"
    domain = settings.resolve(settings.workbench.domain) / "new_intents.yml"
    assert f"  - intent: card_material\n    examples: |\n      - {UNKNOWN}\n" in nlu.read_text()
    assert "  - card_material\n" in domain.read_text()

    [said] = [m["id"] for m in await transcript(http, conversation) if m["text"] == UNKNOWN]
    agent = await sign_in(stack, await add_agent(stack))
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        async with agent.post("/api/designer/intents", json={"message_ids": [said], "name": "x"}) as response:
            assert response.status == 403
        for body, status_code, code in (
            ({"message_ids": [said], "name": "card_material"}, 409, "intent_exists"),  # started just now
            ({"message_ids": [], "name": "fine_name"}, 400, "invalid_message_ids"),
            ({"message_ids": [True], "name": "fine_name"}, 400, "invalid_message_ids"),
            ({"message_ids": "1", "name": "fine_name"}, 400, "invalid_message_ids"),
            ({"message_ids": [said], "name": "x" * 1000}, 400, "invalid_intent_name"),
        ):
            async with designer.post("/api/designer/intents", json=body) as response:
                assert response.status == status_code
                assert (await response.json())["error"]["code"] == code
        huge = {"message_ids": [said], "name": "x" * 2_000_000}
        async with designer.post("/api/designer/intents", json=huge) as response:
            assert response.status == 413
        async with designer.post("/api/designer/intents", data=b"{not json") as response:
            assert response.status == 400
            assert (await response.json())["error"]["code"] == "malformed_json"
    finally:
        await agent.close()
        await designer.close()
