"""The designer's knowledge gaps, in headless Chromium against the real stack, a real Rasa and the real
knowledge index: customers ask what no article answers, the designer sees their questions as one topic,
adds one to an article's sample questions and drafts a new article from them; the draft is not served
to customers. Agents cannot open the gaps."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from knowledge_index.articles import parse_article, read_sources
from tandem.processes import Stack
from tests.chat_client import reply_text, say, start_conversation, transcript
from tests.desk.floor import add_agent, sign_in
from tests.desk.pages import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 30_000
QUESTIONS = ("do you have safe deposit boxes", "can I rent a safety deposit box at the branch")
OTHER = ("do you have a student account", "is there an interest free overdraft for students")
MISS = ("didn't find an answer", "didn't quite catch")


async def test_a_designer_turns_unanswered_questions_into_article_questions_and_a_draft(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    asked = []
    for question in QUESTIONS:
        asked.append(await start_conversation(http))
        answered = reply_text(await say(http, asked[-1], question))
        assert any(miss in answered for miss in MISS), answered
    for question in OTHER:
        answered = reply_text(await say(http, await start_conversation(http), question))
        assert any(miss in answered for miss in MISS), answered

    page = await signed_in(browser, contexts, stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    await expect(page).to_have_url(f"{stack.gateway_url}/designer", timeout=WAIT_MS)
    boxes = page.get_by_test_id("gap-cluster").filter(has_text=QUESTIONS[0])
    await expect(boxes).to_contain_text(QUESTIONS[1], timeout=WAIT_MS)
    await expect(boxes).to_contain_text("2 questions · 2 not answered")
    # The index's nearest articles to the topic come first among the articles offered.
    await expect(boxes.locator('optgroup[label="Nearest to these questions"] option')).to_have_count(3)
    students = page.get_by_test_id("gap-cluster").filter(has_text=OTHER[0])
    await expect(students).to_contain_text(OTHER[1])

    await boxes.get_by_test_id("gap-article").select_option("branch-finder")
    await boxes.get_by_test_id("gap-add").click()
    status = page.get_by_test_id("gaps-status")
    await expect(status).to_contain_text("Added 2 questions to ")
    await expect(status).to_contain_text(
        "branch-finder.md. Customers get it once the knowledge index is rebuilt"
    )
    await expect(boxes).to_have_count(0)
    articles = stack.settings.resolve(stack.settings.knowledge.articles_dir)
    finder = (articles / "branch-finder.md").read_text(encoding="utf-8")
    assert set(parse_article("branch-finder", finder).questions[-2:]) == set(QUESTIONS)

    await students.get_by_test_id("gap-pick").nth(1).uncheck()
    await students.get_by_test_id("gap-title").fill("Student accounts")
    await students.get_by_test_id("gap-draft").click()
    await expect(status).to_contain_text("student-accounts.md with 1 sample question, marked draft")
    await expect(students).to_have_count(0)
    drafted = parse_article(
        "student-accounts", (articles / "student-accounts.md").read_text(encoding="utf-8")
    )
    assert len(drafted.questions) == 1 and drafted.questions[0] in OTHER
    assert "student-accounts" not in {s.slug for s in read_sources(articles)}  # the index build skips it
    async with http.get("/help/student-accounts") as response:
        assert response.status == 404  # not served to customers
    async with http.get("/help/branch-finder") as response:
        assert response.status == 200

    await page.reload()  # dealt with: out of the gaps
    await expect(page.get_by_test_id("gaps-summary")).not_to_have_text("", timeout=WAIT_MS)
    await expect(page.get_by_test_id("gap-cluster").filter(has_text=QUESTIONS[0])).to_have_count(0)
    await expect(page.get_by_test_id("gap-cluster").filter(has_text=OTHER[0])).to_have_count(0)

    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    agent = await sign_in(stack, await add_agent(stack))
    try:
        ids = [m["id"] for c in asked for m in await transcript(http, c) if m["text"] in QUESTIONS]
        again = {"article": "branch-finder", "questions": list(QUESTIONS), "message_ids": ids}
        async with designer.post("/api/designer/gaps/question", json=again) as response:
            assert (await response.json())["already"] == list(QUESTIONS)  # never written twice
        assert (articles / "branch-finder.md").read_text(encoding="utf-8") == finder
        async with agent.get("/api/designer/gaps") as response:
            assert response.status == 403
        for path, body in (
            ("/api/designer/gaps/draft", {"title": "Sneaky", "questions": ["x"], "message_ids": ids}),
            ("/api/designer/gaps/question", again),
        ):
            async with agent.post(path, json=body) as response:
                assert response.status == 403
    finally:
        await agent.close()
        await designer.close()


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/designer/gaps/draft", {"title": "ab", "questions": ["x"], "message_ids": [1]}, 400, "invalid_title"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": [], "message_ids": [1]}, 400, "invalid_questions"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": ["q"] * 11, "message_ids": [1]}, 400,
         "invalid_questions"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": [7], "message_ids": [1]}, 400, "invalid_question"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": ["card 4929 1234 5678"], "message_ids": [1]},
         400, "invalid_question"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": ["q"], "message_ids": []}, 400,
         "invalid_message_ids"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": ["q"], "message_ids": ["1"]}, 400,
         "invalid_message_ids"),
        ("/api/designer/gaps/draft", {"title": "Crypto", "questions": ["q"], "message_ids": [10**9]}, 404,
         "not_offerable"),
        ("/api/designer/gaps/question", {"article": "../config", "questions": ["where"], "message_ids": [1]}, 400,
         "invalid_article"),
        ("/api/designer/gaps/question", {"article": "no-such-article", "questions": ["where"], "message_ids": [1]},
         404, "unknown_article"),
        ("/api/designer/gaps/question", {"article": "branch-finder", "questions": ["x" * 301], "message_ids": [1]},
         400, "invalid_question"),
        ("/api/designer/gaps/question", {"article": "branch-finder", "questions": ["  "], "message_ids": [1]}, 400,
         "invalid_question"),
        ("/api/designer/gaps/question", {"article": "branch-finder", "questions": "where", "message_ids": [1]}, 400,
         "invalid_questions"),
        ("/api/designer/gaps/question", {"article": "branch-finder", "questions": ["where"], "message_ids": [10**9]},
         404, "not_offerable"),
        ("/api/designer/gaps/question", "not an object", 400, None),
    ],
)  # fmt: skip
async def test_bad_input_gets_a_clear_error_and_writes_nothing(
    stack: Stack, path: str, body: object, status: int, code: str | None
) -> None:
    articles = stack.settings.resolve(stack.settings.knowledge.articles_dir)
    before = {p.name: p.read_text(encoding="utf-8") for p in articles.glob("*.md")}
    designer = await sign_in(stack, await add_agent(stack, role=Role.DESIGNER, skills=()))
    try:
        async with designer.post(path, json=body) as response:
            assert response.status == status, await response.text()
            error = (await response.json())["error"]
            assert code is None or error["code"] == code
            assert error["message"]
        async with designer.post(
            path, data=b"{" * 2_000_000, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status in (400, 413)
        async with designer.post(path, json=body, headers={"Origin": "https://evil.example"}) as response:
            assert response.status == 403
    finally:
        await designer.close()
    assert {p.name: p.read_text(encoding="utf-8") for p in articles.glob("*.md")} == before
