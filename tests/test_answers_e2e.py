"""Whole answers through the real stack: chat gets the section's steps in whole sentences, rendered as
a list with its source linked to /help/<slug>; the phone gets a short spoken form and the steps on
request."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from tandem.processes import Stack
from tests.sip.harness import phone
from tests.voice.speech import heard_text, say_wav
from tests.voice.stack import closed_conversation, conversation_of, wait_voice_ready

pytestmark = pytest.mark.e2e
ACTIVATION_QUESTION = "how do I activate my new card"


async def ask(http: aiohttp.ClientSession, text: str) -> list[str]:
    async with http.post("/api/conversations", json={"visitor_id": "answers-e2e-visitor"}) as response:
        conversation = (await response.json())["conversation_id"]
    async with http.post(f"/api/conversations/{conversation}/messages", json={"text": text}) as response:
        assert response.status == 200, await response.text()
        return [reply["text"] for reply in (await response.json())["replies"]]


async def test_chat_gets_the_activation_steps_in_whole_sentences(http: aiohttp.ClientSession) -> None:
    (answer,) = await ask(http, ACTIVATION_QUESTION)
    lines = answer.split("\n")
    assert lines[:4] == [
        "1. Open the Northwind app and tap **Cards**.",
        "2. Select the new card. It will show as **Awaiting activation**.",
        "3. Tap **Activate card** and enter the last four digits printed on the card, or scan the card with "
        "your phone camera.",
        "4. Confirm with your fingerprint, face ID or app passcode.",
    ]
    assert lines[-1] == "Source: our help article [Activating your new card](/help/card-activation)."
    assert "Cut the old card" not in answer and "…" not in answer
    assert all(re.search(r"[.!?:)]$", line) for line in lines), lines  # no line stops mid-sentence


@pytest.fixture
async def page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    context = await browser.new_context()
    opened = await context.new_page()
    yield opened
    await context.close()


async def test_the_chat_page_renders_the_list_and_links_the_article(page: Page, stack: Stack) -> None:
    await page.goto(stack.gateway_url + "/")
    await expect(page.locator("#status")).to_have_text("Connected", timeout=15_000)
    await page.get_by_label("Your message").fill(ACTIVATION_QUESTION)
    await page.keyboard.press("Enter")
    answer = page.locator(".msg.bot").last
    steps = answer.locator("ol > li")
    await expect(steps).to_have_count(4, timeout=30_000)
    await expect(steps.first).to_have_text("Open the Northwind app and tap Cards.")
    await expect(steps.first.locator("strong")).to_have_text("Cards")
    assert "**" not in (await answer.text_content() or "")
    source = answer.get_by_role("link", name="Activating your new card")
    await expect(source).to_have_attribute("href", "/help/card-activation")

    await page.goto(stack.gateway_url + "/help/card-activation")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Activating your new card")
    await expect(page.get_by_role("heading", name="Activate your card in the app")).to_be_visible()
    await expect(page.locator("main ol > li")).to_have_count(4)
    await expect(page.locator("main strong").first).to_have_text("Cards")
    assert await page.locator("script").count() == 0


async def test_an_unknown_article_is_a_readable_404(http: aiohttp.ClientSession) -> None:
    for slug in ["no-such-article", "..%2Fconfig", "Card-Activation"]:
        async with http.get(f"/help/{slug}") as response:
            assert response.status == 404, slug
            assert "Article not found" in await response.text()


def test_the_phone_gets_a_short_answer_then_the_steps_on_yes(stack: Stack, tmp_path: Path) -> None:
    uri = wait_voice_ready(stack)
    speech = say_wav(
        tmp_path / "say.wav", [(3.5, "How do I activate my new card?"), (9.5, "Yes.")], total_s=19
    )
    heard = tmp_path / "heard.wav"
    caller = phone(tmp_path, uri, "--play", str(speech), "--record", str(heard), "--duration", "32",
                   "--user", "5550121")  # fmt: skip
    assert caller.wait(60) == 0, caller.describe()

    conversation = closed_conversation(stack, conversation_of(stack, "5550121"))
    said = [(m["sender"], m["text"]) for m in conversation["messages"]]
    timeline = [(m["created_at"], m["sender"], m["text"][:40]) for m in conversation["messages"]]
    bot = [text for sender, text in said if sender == "bot"]
    offer = next(text for text in bot if text.endswith("Would you like the steps?"))
    assert len(offer.split()) <= 35, offer
    assert "**" not in offer
    first_step = next(text for text in bot if text.startswith("Step 1 of 4:"))
    assert first_step.startswith("Step 1 of 4: Open the Northwind app and tap Cards.")
    # The caller's "yes" answered the offer: offer, yes, step 1, in that order.
    at = said.index(("bot", offer))
    (answered_by, answer), step = said[at + 1], said[at + 2]
    # Whisper writes the caller's "Yes." as "Yes," at times.
    assert (answered_by, answer.rstrip(".,!"), step) == ("customer", "Yes", ("bot", first_step)), timeline
    # The caller stayed silent after step 1: the silence gets the step's own request again.
    reprompts = [text for text in bot[bot.index(first_step) :] if text.startswith("Sorry, I didn't hear")]
    assert reprompts[:1] == ["Sorry, I didn't hear anything. Say next for the next step, or repeat."], (
        timeline
    )
    text = heard_text(heard)
    # The spoken short answer; the caller's "yes" may cut the offer's last words (a barge-in).
    assert "four steps" in text or "would you like" in text, text
    assert "open the northwind app" in text, text


RENDER = """async (text) => {
  const { renderMarkdown } = await import('/static/markdown.js');
  const box = document.createElement('div');
  box.append(renderMarkdown(text));
  return box.innerHTML;
}"""


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("1. one\n2. **two**", "<ol><li>one</li><li><strong>two</strong></li></ol>"),
        ("Intro:\n- a\n- b\nAfter.", "<p>Intro:</p><ul><li>a</li><li>b</li></ul><p>After.</p>"),
        ("[page](/help/x)", '<p><a href="/help/x" target="_blank">page</a></p>'),
        ("[x](javascript:alert%281%29)", "<p>x</p>"),  # no link for unsafe schemes
        ("[x](//evil.example/)", "<p>x</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        ("**<b>bold</b>**", "<p><strong>&lt;b&gt;bold&lt;/b&gt;</strong></p>"),
    ],
)
async def test_the_chat_markdown_subset_is_built_safely(
    page: Page, stack: Stack, markdown: str, html: str
) -> None:
    await page.goto(stack.gateway_url + "/help/card-activation")
    assert await page.evaluate(RENDER, markdown) == html
