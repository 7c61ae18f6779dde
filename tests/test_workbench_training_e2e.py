"""The designer's whole loop against the real stack and a real Rasa, in headless Chromium: a customer says
something the model gets wrong; a designer labels it in the inbox, trains a new model from the page and
follows Rasa's output; the new model is compared with the active one on the held-out examples, by
cross-validation and on the test stories, and activated on every Rasa worker; the same sentence is then understood. Rolling back brings the old model
back. Only designers and supervisors may train or activate; one run at a time."""

from __future__ import annotations

import json
import re
import time

import aiohttp
import jwt
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.active_model import active, models_dir
from tandem.processes import Stack
from tandem.rasa_workers import worker_urls
from tests.chat_client import reply_text, say, start_conversation
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
TRAIN_MS = 600_000  # a training run on two shared cores, with the stack serving beside it
# The repository's model reads it as `inform` (55 %): it answers as if the customer gave a detail.
SENTENCE = "the wall machine gobbled my debit card"
INFORM_REPLIES = {
    "Thanks. What would you like me to do with that? You can ask me about your balance, your cards or a payment.",
    "Got it, but I'm not sure what that's for yet. What can I help you with?",
}


async def parsed_by_every_worker(stack: Stack, text: str) -> list[str]:
    """The intent each Rasa worker's model gives text (Rasa's /model/parse, signed like the gateway's)."""
    secret = stack.secrets.rasa_token.get_secret_value()
    claims = {"user": {"username": "test", "role": "admin"}, "exp": time.time() + 60}
    headers = {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}
    intents = []
    async with aiohttp.ClientSession() as session:
        for url in worker_urls(str(stack.settings.rasa.url), stack.settings.rasa.workers):
            async with session.post(f"{url}/model/parse", json={"text": text}, headers=headers) as response:
                assert response.status == 200
                intents.append((await response.json())["intent"]["name"])
    return intents


async def test_a_designer_labels_trains_compares_and_activates_and_the_customer_is_understood(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    workers = stack.settings.rasa.workers
    first_model = active(stack.settings.resolve(stack.settings.data_dir))
    assert first_model is not None
    # (1) The customer is misunderstood.
    assert reply_text(await say(http, await start_conversation(http), SENTENCE)) in INFORM_REPLIES
    assert await parsed_by_every_worker(stack, SENTENCE) == ["inform"] * workers

    # (2) The designer labels it and trains.
    page = await signed_in(browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    group = page.get_by_test_id("inbox-group").filter(has_text=SENTENCE)
    await expect(group).to_contain_text("low confidence", timeout=WAIT_MS)
    await group.get_by_test_id("inbox-intent").select_option("card_not_working")
    await group.get_by_test_id("inbox-label").click()
    await expect(page.get_by_test_id("designer-status")).to_contain_text(
        "Added 1 example of card_not_working"
    )
    await page.get_by_test_id("train-start").click()
    state = page.get_by_test_id("train-state")
    await expect(state).to_have_text("Training…", timeout=WAIT_MS)
    await expect(page.get_by_test_id("train-start")).to_be_disabled()
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        async with designer.post("/api/designer/training") as response:
            assert response.status == 409
            assert "going on already" in (await response.json())["error"]["message"]
    finally:
        await designer.close()
    # Rasa's own words, streamed while it trains.
    await expect(page.get_by_test_id("train-output")).to_contain_text(
        "Your Rasa model is trained", timeout=TRAIN_MS
    )
    await expect(state).to_have_text("Trained and compared.", timeout=TRAIN_MS)

    # (3) The comparison survives a reload; the new model is activated on every worker.
    await page.reload()
    await expect(state).to_have_text("Trained and compared.", timeout=WAIT_MS)
    await expect(page.get_by_test_id("train-output")).to_contain_text("Your Rasa model is trained")
    accuracy = page.get_by_test_id("comparison-accuracy")
    await expect(accuracy).to_contain_text(f"active {first_model.name}")
    await expect(accuracy).to_contain_text("Held-out accuracy (57 examples)")
    await expect(page.get_by_test_id("comparison-changed")).to_be_visible()
    # Cross-validation: the new model was trained on every example of the active one and more: the one just
    # labelled (and any other test's labels on this stack), since labelling only adds.
    await expect(page.get_by_test_id("comparison-cv")).to_contain_text("Cross-validation (3 folds)")
    validated = await page.get_by_test_id("comparison-cv-accuracy").text_content() or ""
    counts = re.search(r"active [\d.]+ % of (\d+), new [\d.]+ % of (\d+)\. On the (\d+) both", validated)
    assert counts is not None, validated
    before_examples, after_examples, shared = map(int, counts.groups())
    assert after_examples > before_examples and shared == before_examples
    # Every test story passes with both models.
    await expect(page.get_by_test_id("comparison-stories-passed")).to_have_text(
        re.compile(r"Test stories passed \(of (\d+)\): active \1, new \1\.")
    )
    await expect(page.get_by_test_id("comparison-stories-now-failing")).to_have_count(0)
    await expect(page.get_by_test_id("models-kept")).to_contain_text("The newest 10 models trained here stay")
    candidate = (await page.get_by_test_id("activate-candidate").text_content() or "").removeprefix(
        "Activate "
    )
    assert candidate.startswith("designer-")
    await page.get_by_test_id("activate-candidate").click()
    status = page.get_by_test_id("models-status")
    await expect(status).to_have_text(
        f"{candidate} is active on {workers} Rasa worker{'s' if workers > 1 else ''}.", timeout=WAIT_MS * 4
    )
    await expect(page.get_by_test_id("model").filter(has_text=candidate)).to_contain_text("(active)")
    # A restart of the stack starts Rasa with it.
    assert active(stack.settings.resolve(stack.settings.data_dir)).name == candidate

    # (4) The same sentence now gets the right intent, on every worker, and the customer an answer.
    assert await parsed_by_every_worker(stack, SENTENCE) == ["card_not_working"] * workers
    assert reply_text(await say(http, await start_conversation(http), SENTENCE)) not in INFORM_REPLIES

    # Roll back to the model the stack started with: the sentence is misread again.
    earlier = page.get_by_test_id("model").filter(has_text=first_model.name)
    await expect(earlier.get_by_test_id("model-activate")).to_have_text("Roll back to this")
    await earlier.get_by_test_id("model-activate").click()
    await expect(status).to_contain_text(f"{first_model.name} is active", timeout=WAIT_MS * 4)
    assert await parsed_by_every_worker(stack, SENTENCE) == ["inform"] * workers


async def test_only_designers_and_supervisors_train_and_activate(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        for method, path in (
            ("GET", "/api/designer/training"),
            ("POST", "/api/designer/training"),
            ("GET", "/api/designer/training/events"),
            ("POST", "/api/designer/models/active"),
        ):
            async with agent.request(method, path, json={"model": "x"}) as response:
                assert response.status == 403, path
        for body, status, code in (
            ({"model": 5}, 400, "invalid_model"),
            ({"model": "x" * 300}, 400, "invalid_model"),
            ({"model": "../../models/active.tar.gz"}, 404, "unknown_model"),
            ({"model": "nothing.tar.gz"}, 404, "unknown_model"),
        ):
            async with designer.post("/api/designer/models/active", json=body) as response:
                assert response.status == status
                assert (await response.json())["error"]["code"] == code
        async with designer.post("/api/designer/models/active", data=b"\xff" * 10) as response:
            assert response.status == 400
    finally:
        await agent.close()
        await designer.close()


async def test_a_model_a_worker_cannot_load_is_not_activated(stack: Stack) -> None:
    data_dir = stack.settings.resolve(stack.settings.data_dir)
    before = active(data_dir)
    assert before is not None
    broken = data_dir / "models" / "designer-broken.tar.gz"
    broken.write_bytes(b"not a model")
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        async with designer.post("/api/designer/models/active", json={"model": broken.name}) as response:
            assert response.status == 502
            message = (await response.json())["error"]["message"]
        assert message.startswith("Not activated: ")
        assert message.endswith(f"all are back on {before.name}.")
        assert active(data_dir) == before
        workers = stack.settings.rasa.workers
        assert await parsed_by_every_worker(stack, "I lost my card") == ["card_lost_stolen"] * workers
    finally:
        broken.unlink()
        await designer.close()


async def test_a_model_noted_before_the_three_part_comparison_is_still_listed(
    browser: Browser, stack: Stack, contexts: list[BrowserContext]
) -> None:
    """A note written by the workbench before it compared three ways has the held-out figures at the top."""
    models = models_dir(stack.settings.resolve(stack.settings.data_dir))
    old = models / "designer-20261206-000000-9.tar.gz"
    note = old.with_name("designer-20261206-000000-9.json")
    earlier = {
        "examples": 57,
        "before_accuracy": 1.0,
        "after_accuracy": 1.0,
        "up": [],
        "down": [],
        "changed": [],
    }
    old.write_bytes(b"a model file")
    note.write_text(
        json.dumps({"by": "designer-1", "comparison": earlier, "against": None, "predictions": {}})
    )
    try:
        page = await signed_in(
            browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=())
        )
        await expect(page.get_by_test_id("model").filter(has_text=old.name)).to_contain_text(
            "not compared", timeout=WAIT_MS
        )
    finally:
        old.unlink()
        note.unlink()
