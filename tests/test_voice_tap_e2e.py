"""A supervisor listens to a live bridged call, then barges in, from the monitor page in headless Chromium,
with real SIP on loopback: four processes talk SIP here (the caller, the voice gateway, the agent's phone
and the supervisor's phone). Whisper checks what each phone heard: listening, the supervisor hears both
sides and nobody hears the supervisor; barged in, the caller and the agent hear the supervisor too."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tandem.isolated import free_port
from tandem.processes import Stack
from tests.desk.floor import Desk, add_agent, eventually, sign_in
from tests.desk.pages import supervisor_dashboard
from tests.sip.harness import phone
from tests.test_voice_handoff import agent_phone, event_time, open_desk
from tests.voice.speech import heard_text, say_wav
from tests.voice.stack import conversation_of, fetch_conversation, wait_voice_ready

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = 30_000
CALLER_WORDS = "My card was stolen in London yesterday."
AGENT_WORDS = "Hello, this is your colleague from the card team. I can help you with that."
SUPERVISOR_WORDS = "This is the team supervisor speaking."
# Whisper tiny, the test's ear, has written the phrase as "...the team super." and "...is speaking."
HEARD_SUPERVISOR = ("supervisor", "team super", "speaking")


def said(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


async def test_a_supervisor_listens_in_then_barges_in_on_a_call(
    stack: Stack,
    tmp_path: Path,
    browser: Browser,
    contexts: list[BrowserContext],
    http: aiohttp.ClientSession,
) -> None:
    voice_uri = await asyncio.to_thread(wait_voice_ready, stack)
    every_5s = [(t, SUPERVISOR_WORDS) for t in range(2, 118, 5)]
    supervisor_port = free_port()
    supervisor_phone = phone(
        tmp_path, "--answer", "--sip-port", str(supervisor_port),
        "--play", str(say_wav(tmp_path / "supervisor_say.wav", every_5s, total_s=120)),
        "--record", str(tmp_path / "supervisor.wav"),
        name="supervisor",
    )  # fmt: skip
    supervisor_phone.wait_for("ready", timeout=20)
    agent_talk = say_wav(tmp_path / "agent_say.wav", [(t, AGENT_WORDS) for t in range(2, 118, 6)], 120)
    agent, agent_uri = agent_phone(
        tmp_path, "--play", str(agent_talk), "--record", str(tmp_path / "agent.wav")
    )
    session = await sign_in(stack, await add_agent(stack, sip_uri=agent_uri))
    desk: Desk | None = None
    try:
        desk = await open_desk(session, "available")
        timeline = [(3.5, "I want to speak to a person."), *((t, CALLER_WORDS) for t in range(16, 150, 7))]
        caller = phone(
            tmp_path, voice_uri, "--play", str(say_wav(tmp_path / "caller_say.wav", timeline, total_s=155)),
            "--record", str(tmp_path / "heard.wav"), "--duration", "160", "--user", "5550231",
        )  # fmt: skip
        call_started = await event_time(caller, "media", 20)
        conversation = await asyncio.to_thread(conversation_of, stack, "5550231")
        offer = await desk.offer_for(conversation, wait_s=40)
        await desk.send({"type": "accept", "offer_id": offer["id"]})
        await event_time(agent, "media", 40)
        contact_id = offer["contact"]["id"]

        page = await supervisor_dashboard(
            browser, contexts, stack, sip_uri=f"sip:supervisor@127.0.0.1:{supervisor_port}"
        )
        await page.goto(f"{stack.gateway_url}/desk/monitor?contact={contact_id}")
        await expect(page.get_by_test_id("monitor-state")).to_have_text("Live", timeout=WAIT_MS)
        state = page.get_by_test_id("tap-state")

        await page.get_by_test_id("tap-listen").click()
        await expect(state).to_have_text("Listening: nobody hears you.", timeout=WAIT_MS)
        listening_from = time.monotonic() - call_started
        await asyncio.sleep(14)
        await page.get_by_test_id("tap-barge").click()
        await expect(state).to_have_text("Barged in: the caller and the agent hear you.", timeout=WAIT_MS)
        barged_from = time.monotonic() - call_started
        told = await desk.wait_for("notice", lambda e: "supervisor" in e["message"], wait_s=10)
        assert "is joining your call" in told["message"]
        await asyncio.sleep(14)
        await page.get_by_test_id("tap-off").click()
        await expect(state).to_have_text("Your phone has left the call.", timeout=WAIT_MS)
        barged_until = time.monotonic() - call_started
        await asyncio.to_thread(supervisor_phone.wait_for, "disconnected", 15)
        caller.terminate()
        await asyncio.to_thread(agent.wait_for, "disconnected", 15)
    finally:
        if desk is not None:
            await desk.close()
        await session.close()

    heard_by_supervisor = heard_text(tmp_path / "supervisor.wav")
    assert said(heard_by_supervisor, ("stolen", "london", "yesterday")), heard_by_supervisor
    assert said(heard_by_supervisor, ("colleague", "card team", "help")), heard_by_supervisor
    # Listening: the caller heard the agent, never the supervisor; barged in, the supervisor too.
    while_listening = heard_text(tmp_path / "heard.wav", listening_from + 0.5, barged_from)
    assert not said(while_listening, HEARD_SUPERVISOR), while_listening
    while_barged = heard_text(tmp_path / "heard.wav", barged_from + 1.0, barged_until)
    assert said(while_barged, HEARD_SUPERVISOR), while_barged
    assert said(heard_text(tmp_path / "agent.wav"), HEARD_SUPERVISOR)

    async def people_said() -> str:  # the words of the bank's people on the call, as stored
        messages = fetch_conversation(stack, conversation)["messages"]
        text = " ".join(m["text"].lower() for m in messages if m["sender"] == "agent")
        return text if said(text, HEARD_SUPERVISOR) else ""

    # Barged in, the supervisor's words are kept; listening, they were not (one phrase every 5 s).
    stored = await eventually(people_said, wait_s=20)
    assert said(stored, HEARD_SUPERVISOR), fetch_conversation(stack, conversation)["messages"]
    assert stored.count("super") <= (barged_until - barged_from) / 5 + 1, stored
