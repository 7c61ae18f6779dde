"""Quality review in headless Chromium against the real stack: a supervisor finds an agent's conversation
on the History page, plays its recording from a line of the transcript, scores it, and sees the agent's
average on the dashboard. A recording is served only from the recordings folder; agents cannot review."""

from __future__ import annotations

import wave
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from handoff.store import Role
from tandem.app import resolve_store_url
from tandem.processes import Stack
from tandem.store import Store
from tests.desk.floor import Desk, add_agent, sign_in
from tests.desk.pages import supervisor_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.security]
WAIT_MS = 20_000


def tone_wav(path: Path, seconds: float = 8.0, rate: int = 8000) -> None:
    samples = (0.2 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(samples, 2).tobytes())


async def recording_of(stack: Stack, conversation: str, path: str) -> None:
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        await store.set_outcome_field(conversation, "recording", path)
    finally:
        await store.close()


async def handled_chat(stack: Stack, http: aiohttp.ClientSession) -> tuple[str, str, str]:
    """A chat an agent answered and closed: (conversation id, contact id, the agent's name)."""
    username = await add_agent(stack)
    agent = await sign_in(stack, username)
    desk = await Desk.open(agent)
    try:
        hello = await desk.wait_for("hello")
        conversation, contact = await desk.take_a_chat(http, "I want to talk to a person about a refund")
        await desk.send(
            {"type": "send", "contact_id": contact, "text": "Hello, I can help with your refund."}
        )
        await desk.wait_for("message", lambda e: "help with your refund" in e["message"]["text"])
        await desk.send({"type": "end", "contact_id": contact})
        await desk.send({"type": "wrap_up", "contact_id": contact, "disposition": "resolved", "notes": ""})
        await desk.wait_for("contact_removed", lambda e: e["contact_id"] == contact)
    finally:
        await desk.close()
        await agent.close()
    return conversation, contact, hello["agent"]["display_name"]


async def test_a_supervisor_reviews_an_agents_conversation_beside_its_recording(
    browser: Browser, stack: Stack, contexts: list[BrowserContext], http: aiohttp.ClientSession
) -> None:
    conversation, contact, agent_name = await handled_chat(stack, http)
    # A WAV made here stands for the call's recording: the page plays whatever the voice gateway wrote.
    folder = stack.settings.resolve(stack.settings.data_dir) / stack.settings.voice.recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    tone_wav(folder / f"{conversation}.wav")
    await recording_of(stack, conversation, str(folder / f"{conversation}.wav"))

    page = await supervisor_dashboard(browser, contexts, stack)
    await page.goto(f"{stack.gateway_url}/desk/history?open={conversation}")
    await page.get_by_test_id("review-link").click(timeout=WAIT_MS)
    await expect(page).to_have_url(f"{stack.gateway_url}/desk/quality?contact={contact}", timeout=WAIT_MS)
    await expect(page.get_by_test_id("quality-title")).to_have_text(
        f"Quality review: {agent_name}", timeout=WAIT_MS
    )
    lines = page.get_by_test_id("quality-line")
    await expect(lines.filter(has_text="help with your refund")).to_be_visible()

    audio = page.get_by_test_id("quality-audio")
    await expect(audio).to_be_visible()
    await page.wait_for_function("document.querySelector('audio').duration > 7")
    last = lines.filter(has_text="help with your refund")
    offset = float(await last.get_attribute("data-offset") or "0")
    await last.click()
    await page.wait_for_function(f"Math.abs(document.querySelector('audio').currentTime - {offset}) < 1.5")
    await expect(page.locator("[data-testid=quality-line].playing")).to_have_count(1, timeout=WAIT_MS)

    for select in await page.locator("#criteria select").all():
        await select.select_option(index=2)  # 1 point on each criterion
    await page.get_by_test_id("quality-comment").fill("Good opening; confirm the refund timescale next time.")
    await page.get_by_test_id("quality-save").click()
    await expect(page.get_by_test_id("quality-saved")).to_have_text("Saved: 37.5 %.", timeout=WAIT_MS)
    await expect(page.get_by_test_id("quality-reviews")).to_contain_text("refund timescale")

    await page.goto(f"{stack.gateway_url}/desk/supervisor")
    row = page.get_by_test_id("table-quality").locator(f"tr[data-agent='{agent_name}']")
    await expect(row).to_contain_text("37.5 %", timeout=WAIT_MS)


async def test_recordings_come_only_from_the_recordings_folder_and_agents_cannot_review(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    conversation, contact, _ = await handled_chat(stack, http)
    await recording_of(stack, conversation, "/etc/passwd")
    supervisor = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    agent = await sign_in(stack, await add_agent(stack))
    try:
        async with supervisor.get(f"/api/quality/contacts/{contact}") as response:
            assert (await response.json())["recording"] is None
        async with supervisor.get(f"/api/quality/contacts/{contact}/recording") as response:
            assert response.status == 404
        async with supervisor.post(
            f"/api/quality/contacts/{contact}/reviews", json={"scores": {"greeting": 9}}
        ) as response:
            assert response.status == 400
        for method, path in (("GET", f"/api/quality/contacts/{contact}"), ("GET", "/desk/quality"),
                             ("POST", f"/api/quality/contacts/{contact}/reviews"), ("GET", "/api/supervisor/quality")):  # fmt: skip
            async with agent.request(method, path, json={}) as response:
                assert response.status == 403, path
    finally:
        await supervisor.close()
        await agent.close()
