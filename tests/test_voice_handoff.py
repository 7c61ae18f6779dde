"""A caller handed to a person, over the whole stack with real SIP on loopback: the caller waits on hold
(music and the queue's announcements), an agent accepts on the desk, and the gateway calls the agent's
phone (a second test phone that answers, talks and records) and bridges the two calls.

Three processes talk SIP here: the test caller, the voice gateway, and the agent's test phone. Whisper
checks what the agent's phone heard; the hold music is found frame by frame in the call's recording.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from tandem.isolated import free_port
from tandem.processes import Stack
from tests.desk.floor import Desk, add_agent, clear_queue, eventually, sign_in
from tests.sip.audio_check import rms
from tests.sip.harness import Proc, phone
from tests.voice.speech import heard_text, read_wav, say_wav
from tests.voice.stack import (
    closed_conversation,
    conversation_of,
    fetch_conversation,
    rating_of,
    voice_log,
    wait_voice_ready,
)
from voice_gateway.audio import FRAME_SAMPLES
from voice_gateway.hold import HoldMusic

pytestmark = pytest.mark.e2e

CALLER_WORDS = "My card was stolen in London yesterday."
AGENT_WORDS = "Hello, this is your colleague from the card team. I can help you with that."


@pytest.fixture(scope="module")
def voice_uri(stack: Stack) -> str:
    return wait_voice_ready(stack)


@pytest.fixture
async def floor(stack: Stack) -> AsyncIterator[list[aiohttp.ClientSession]]:
    await clear_queue(stack)
    sessions: list[aiohttp.ClientSession] = []
    yield sessions
    for session in sessions:
        await session.close()


async def agent_desk(
    stack: Stack, floor: list[aiohttp.ClientSession], sip_uri: str, state: str
) -> tuple[Desk, aiohttp.ClientSession]:
    session = await sign_in(stack, await add_agent(stack, sip_uri=sip_uri))
    floor.append(session)
    return await open_desk(session, state), session


async def open_desk(session: aiohttp.ClientSession, state: str) -> Desk:
    desk = await Desk.open(session)
    await desk.wait_for("hello")
    await set_state(desk, state)
    return desk


async def set_state(desk: Desk, state: str) -> None:
    await desk.send({"type": "state", "state": state})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == state)


def agent_phone(tmp_path: Path, *extra: str) -> tuple[Proc, str]:
    port = free_port()
    proc = phone(tmp_path, "--answer", "--sip-port", str(port), *extra, name="agent")
    proc.wait_for("ready", timeout=20)
    return proc, f"sip:agent@127.0.0.1:{port}"


async def event_time(proc: Proc, kind: str, wait_s: float) -> float:
    """time.monotonic() when the process reported that event (read within milliseconds)."""
    await asyncio.to_thread(proc.wait_for, kind, wait_s)
    return time.monotonic()


def logged(stack: Stack, conversation: str, message: str) -> list[dict[str, Any]]:
    return [
        e for e in voice_log(stack) if e.get("msg") == message and e.get("conversation_id") == conversation
    ]


def music_frames(stack: Stack, recording: np.ndarray) -> list[int]:
    """Indexes of the 20 ms frames of the recording's right channel that are hold music, sample for sample
    (the gateway plays the music in whole frames from the start of the file, so frames line up)."""
    music = HoldMusic.load(stack.settings.resolve(stack.settings.voice.hold_music)).samples
    known = {
        music[i : i + FRAME_SAMPLES].tobytes() for i in range(0, music.size - FRAME_SAMPLES, FRAME_SAMPLES)
    }
    right = recording[:, 1].astype(np.int16)
    frames = right.size // FRAME_SAMPLES
    return [
        i
        for i in range(frames)
        if (frame := right[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]).any() and frame.tobytes() in known
    ]


async def test_caller_waits_on_hold_then_talks_with_the_agent_on_their_phone(
    stack: Stack, voice_uri: str, tmp_path: Path, floor: list[aiohttp.ClientSession]
) -> None:
    agent_speech = say_wav(tmp_path / "agent_say.wav", [(1.5, AGENT_WORDS), (12.0, AGENT_WORDS)], total_s=20)
    agent, agent_uri = agent_phone(
        tmp_path, "--play", str(agent_speech), "--record", str(tmp_path / "agent.wav")
    )
    # Signed in but away: the caller is told the wait, and waits on hold until the agent is free.
    desk, session = await agent_desk(stack, floor, agent_uri, "away")
    # The caller keeps repeating their problem: it reaches the desk whenever the agent is on the line.
    timeline = [(3.5, "I want to speak to a person."), *((t, CALLER_WORDS) for t in range(30, 110, 8))]
    caller_speech = say_wav(tmp_path / "caller_say.wav", timeline, total_s=115)
    caller = phone(
        tmp_path, voice_uri, "--play", str(caller_speech), "--record", str(tmp_path / "heard.wav"),
        "--duration", "150", "--user", "5550201",
    )  # fmt: skip
    call_started = await event_time(caller, "media", 20)
    conversation = await asyncio.to_thread(conversation_of, stack, "5550201")

    async def on_hold() -> bool:
        messages = fetch_conversation(stack, conversation)["messages"]
        announced = any((m["data"] or {}).get("queue_position") for m in messages if m["sender"] == "system")
        return announced and bool(logged(stack, conversation, "hold music"))

    assert await eventually(on_hold, wait_s=45), fetch_conversation(stack, conversation)["messages"]
    # Some music, then the agent is free: long enough for a queue announcement that may still cut in.
    await asyncio.sleep(8)
    answered = asyncio.create_task(event_time(agent, "media", 40))
    await desk.close()  # unread for a while: its pings went unanswered
    desk = await open_desk(session, "available")
    offer = await desk.offer_for(conversation)
    assert offer["contact"]["channel"] == "phone"
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    bridged_at = await answered - call_started  # seconds into the caller's call

    heard_live = await desk.wait_for(
        "message",
        lambda e: e["message"]["sender"] == "customer" and "stolen" in e["message"]["text"].lower(),
        wait_s=40,
    )
    assert heard_live["message"]["channel"] == "phone"

    async def agent_notes() -> list[str]:
        messages = fetch_conversation(stack, conversation)["messages"]
        return [m["text"].lower() for m in messages if m["sender"] == "agent"]

    assert any("help" in text for text in await eventually(agent_notes, wait_s=30)), await agent_notes()
    await asyncio.sleep(4)  # one more of the caller's sentences for the agent to hear
    caller.terminate()
    agent.wait_for("disconnected", timeout=15)  # the caller hung up: so was the agent's phone
    assert agent.wait(15) == 0, agent.describe()

    heard_by_agent = heard_text(tmp_path / "agent.wav")
    # Any of the sentence's rarer words: a loaded machine garbles some of them in the recording.
    assert any(word in heard_by_agent for word in ("stolen", "london", "yesterday")), heard_by_agent
    closed = await asyncio.to_thread(closed_conversation, stack, conversation)
    assert closed["status"] == "closed" and closed["outcome"]["reason"] == "caller hung up"
    recording, rate = read_wav(Path(closed["outcome"]["recording"]))
    music = [i for i in music_frames(stack, recording) if i * 0.02 < bridged_at]
    assert len(music) >= 50, f"{len(music)} frames of hold music before the bridge at {bridged_at:.1f} s"
    heard, heard_rate = read_wav(tmp_path / "heard.wav")
    during_music = np.concatenate(
        [heard[int(i * 0.02 * heard_rate) : int((i + 1) * 0.02 * heard_rate), 0] for i in music]
    )
    assert rms(during_music.astype(float)) > 100, "the caller did not hear the hold music"
    after = recording[int((bridged_at + 0.5) * rate) :].astype(float)
    assert rms(after[:, 0]) > 300 and rms(after[:, 1]) > 300, "the recording lacks a side after the bridge"
    assert not music_frames(stack, recording[int((bridged_at + 0.5) * rate) :])


async def test_an_agent_phone_that_does_not_answer_puts_the_caller_back_in_the_queue(
    stack: Stack, voice_uri: str, tmp_path: Path, floor: list[aiohttp.ClientSession]
) -> None:
    agent, agent_uri = agent_phone(tmp_path, "--ring-only")
    desk, _ = await agent_desk(stack, floor, agent_uri, "available")
    caller = phone(
        tmp_path, voice_uri, "--record", str(tmp_path / "heard.wav"), "--dtmf", "3:0:rfc4733",
        "--duration", "60", "--user", "5550202",
    )  # fmt: skip
    conversation = await asyncio.to_thread(conversation_of, stack, "5550202", 20)
    offer = await desk.offer_for(conversation, wait_s=30)
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    await asyncio.to_thread(agent.wait_for, "incoming", 15)
    rang_at = time.monotonic()

    failed = await desk.wait_for("error", lambda e: e["code"] == "bridge_failed", wait_s=20)
    timeout_s = stack.settings.voice.agent_answer_timeout_s
    assert time.monotonic() - rang_at >= timeout_s - 0.5, "hung up before the answer timeout"
    assert "did not answer" in failed["message"]
    await asyncio.to_thread(agent.wait_for, "disconnected", 10)  # the ringing was cancelled
    assert fetch_conversation(stack, conversation)["status"] == "queued"
    assert logged(stack, conversation, "agent's phone not reached; back to the queue")
    caller.terminate()
    assert agent.wait(10) == 2, agent.describe()  # rang, never had media
    closed = await asyncio.to_thread(closed_conversation, stack, conversation)
    assert closed["outcome"]["reason"] == "caller hung up"


async def test_the_agent_ending_the_conversation_on_the_desk_ends_both_calls_after_the_rating(
    stack: Stack, voice_uri: str, tmp_path: Path, floor: list[aiohttp.ClientSession]
) -> None:
    agent, agent_uri = agent_phone(tmp_path, "--record", str(tmp_path / "agent.wav"))
    desk, _ = await agent_desk(stack, floor, agent_uri, "available")
    # The caller keeps pressing 5 from well into the call: only the survey's question takes it.
    rating_keys = [arg for at_s in range(20, 86, 2) for arg in ("--dtmf", f"{at_s}:5:rfc4733")]
    caller = phone(
        tmp_path, voice_uri, "--record", str(tmp_path / "heard.wav"), "--dtmf", "3:0:rfc4733",
        *rating_keys, "--duration", "90", "--user", "5550203",
    )  # fmt: skip
    conversation = await asyncio.to_thread(conversation_of, stack, "5550203", 20)
    offer = await desk.offer_for(conversation, wait_s=30)
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    contact = await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active")
    await asyncio.to_thread(agent.wait_for, "media", 15)
    await asyncio.sleep(3)  # a few words together: the rating is asked after a conversation
    await desk.send({"type": "end", "contact_id": contact["contact"]["id"]})

    await asyncio.to_thread(agent.wait_for, "disconnected", 10)
    await asyncio.to_thread(caller.wait_for, "disconnected", 30)  # after the closing words
    assert caller.wait(10) == 0 and agent.wait(10) == 0
    heard = " ".join(re.findall(r"[a-z']+", heard_text(tmp_path / "heard.wav")))
    assert "ended the conversation" in heard
    assert "how did our colleague do" in heard and "thank you for your rating" in heard, heard
    assert await asyncio.to_thread(rating_of, stack, conversation) == 5
    closed = fetch_conversation(stack, conversation)
    assert closed["outcome"]["reason"] == "agent_ended"
    recording = await eventually(lambda: _recording(conversation, stack))
    assert await asyncio.to_thread(Path(recording).is_file)


async def _recording(conversation: str, stack: Stack) -> str | None:
    """The recording, once the call has ended (the conversation was closed before that, from the desk)."""
    recording: str | None = (fetch_conversation(stack, conversation)["outcome"] or {}).get("recording")
    return recording
