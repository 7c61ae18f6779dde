"""The designer's conversation review and the training files' diff, in headless Chromium against the real
stack and a real Rasa: a conversation the bot answered and the customer rated low, and one the NLU could not
read, each found by its outcome and read with its intents and confidences; a label shows up in the diff of the
training files against their last git commit (the stack's copy, made a git repository here). Agents can
open neither."""

from __future__ import annotations

import json
import subprocess

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from handoff.store import Role
from tandem.conversations import MASKED_TEXT
from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
UNREADABLE = "flapdoodle gobbledygook skedaddle"
ALICE = ("31846207", "482913")  # the seeded bank's (bot/bank.py): account number and PIN


async def ended(http: aiohttp.ClientSession, *said: str, rating: int | None = None) -> str:
    conversation = await start_conversation(http)
    for text in said:
        await say(http, conversation, text)
    async with http.post(f"/api/conversations/{conversation}/close") as response:
        assert response.status == 200
    if rating is not None:
        async with http.post(f"/api/conversations/{conversation}/rating", json={"score": rating}) as response:
            assert response.status == 201
    return conversation


async def newest(page: Page, outcome: str) -> None:
    """Filter by the outcome and open the newest conversation listed."""
    await page.get_by_test_id("review-outcome").select_option(outcome)
    first = page.get_by_test_id("review-item").first
    # Until the filtered list arrives, the one before it is shown: wait for the outcome's badge.
    await expect(first).to_contain_text(outcome.replace("_", " "), timeout=WAIT_MS)
    await first.get_by_role("button").click()


def git(stack: Stack, *args: str) -> None:
    nlu = stack.settings.resolve(stack.settings.workbench.training_data)
    identity = ("-c", "user.email=designer@example.invalid", "-c", "user.name=Designer")
    subprocess.run(["git", *identity, "-C", str(nlu), *args], check=True, capture_output=True)


async def test_a_designer_reviews_conversations_by_outcome_and_the_training_changes(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    await ended(http, "hello", rating=1)
    await ended(http, UNREADABLE)

    page = await signed_in(browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    view = page.get_by_test_id("review-conversation")
    await expect(page.get_by_test_id("inbox-summary")).not_to_have_text("", timeout=WAIT_MS)  # laid out
    await newest(page, "low_satisfaction")
    await expect(view).to_contain_text("rated 1 of 5", timeout=WAIT_MS)
    await expect(view.get_by_test_id("review-outcome-badge")).to_have_text(["contained", "low satisfaction"])
    greeting = view.get_by_test_id("review-message").filter(has_text="hello").first
    await expect(greeting.get_by_test_id("review-intent")).to_contain_text("greet ")  # and its confidence
    await expect(greeting).to_contain_text("customer")

    await newest(page, "fallback")
    unread = view.get_by_test_id("review-message").filter(has_text=UNREADABLE)
    await expect(unread.get_by_test_id("review-intent")).to_contain_text("nlu_fallback", timeout=WAIT_MS)
    await expect(view.get_by_test_id("review-outcome-badge").first).to_have_text("fallback")
    await expect(view.get_by_test_id("review-message").filter(has_text="bot")).not_to_have_count(0)

    diff_why = page.get_by_test_id("diff-why")
    await page.get_by_test_id("diff-refresh").click()
    await expect(diff_why).to_contain_text("is not in a git work tree", timeout=WAIT_MS)
    git(stack, "init", "-q")
    git(stack, "add", ".")
    git(stack, "commit", "-q", "-m", "the training files as the stack started")
    await page.get_by_test_id("diff-refresh").click()
    await expect(diff_why).to_contain_text("Nothing changed since the last commit.", timeout=WAIT_MS)

    group = page.get_by_test_id("inbox-group").filter(has_text=UNREADABLE)
    await group.get_by_test_id("inbox-out-of-scope").click()
    await expect(page.get_by_test_id("designer-status")).to_contain_text("of out_of_scope")
    await page.get_by_test_id("diff-refresh").click()
    await expect(diff_why).to_contain_text("Changed since the last commit.", timeout=WAIT_MS)
    added = page.get_by_test_id("diff").locator("span.added")
    await expect(added).to_have_text([f"+    - {UNREADABLE}"])
    await expect(page.get_by_test_id("diff").locator("span.file")).to_contain_text(["+++ b/other.yml"])


async def test_verification_answers_stay_masked_in_the_review(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    account, pin = ALICE
    conversation = await ended(http, "what's my balance?", account, pin)
    designer = await add_agent(stack, role=Role.DESIGNER, skills=())
    session = await sign_in(stack, designer)
    try:
        async with session.get(f"/api/designer/conversations/{conversation}") as response:
            review = await response.json()
    finally:
        await session.close()
    customer = [m for m in review["messages"] if m["sender"] == "customer"]
    assert [(m["text"], m["masked"]) for m in customer][1:] == [(MASKED_TEXT, True), (MASKED_TEXT, True)]
    assert account not in json.dumps(review) and pin not in json.dumps(review)

    page = await signed_in(browser, contexts, stack, designer)
    await newest(page, "")
    masked = (
        page.get_by_test_id("review-conversation").get_by_test_id("review-message").filter(has_text="masked")
    )
    await expect(masked).to_have_count(2, timeout=WAIT_MS)
    await expect(page.get_by_test_id("review-conversation")).not_to_contain_text(pin)


async def test_agents_cannot_review(stack: Stack) -> None:
    agent = await sign_in(stack, await add_agent(stack))
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        for path in (
            "/api/designer/conversations",
            "/api/designer/conversations/0123456789abcdef0123456789abcdef",
            "/api/designer/training-diff",
        ):
            async with agent.get(path) as response:
                assert response.status == 403
        for query, code in (("outcome=happy", "invalid_outcome"), ("after=yesterday", "invalid_cursor")):
            async with designer.get(f"/api/designer/conversations?{query}") as response:
                assert response.status == 400
                assert (await response.json())["error"]["code"] == code
        async with designer.get("/api/designer/conversations/not-a-conversation") as response:
            assert response.status == 404
    finally:
        await agent.close()
        await designer.close()
