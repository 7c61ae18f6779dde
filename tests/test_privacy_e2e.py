"""Issue 10, items 3, 5 and 6, over the real stack: security answers masked everywhere they are kept,
customers shown only what is meant for them, and callers with withheld numbers never merged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tandem.conversations import MASKED_TEXT
from tandem.processes import Stack
from tests.chat_client import reply_text, say, start_conversation, transcript
from tests.desk.floor import Desk, add_agent, clear_queue, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.security]

ALICE = ("31846207", "482913")
BEN = ("52019384", "205118")
AGENT_SIP_URI = "sip:agent-7731@127.0.0.1:5999"
NOTES = "Customer sounded drunk, told them off about overdraft habits"


@pytest.fixture
async def floor(stack: Stack) -> AsyncIterator[list[aiohttp.ClientSession]]:
    await clear_queue(stack)
    sessions: list[aiohttp.ClientSession] = []
    yield sessions
    for session in sessions:
        await session.close()


@pytest.fixture
async def service(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    """The voice gateway's view: the service API, with the service token."""
    token = stack.secrets.service_token.get_secret_value()
    async with aiohttp.ClientSession(
        base_url=stack.internal_url, headers={"Authorization": f"Bearer {token}"}
    ) as session:
        yield session


async def available_desk(stack: Stack, floor: list[aiohttp.ClientSession]) -> Desk:
    session = await sign_in(stack, await add_agent(stack, sip_uri=AGENT_SIP_URI))
    floor.append(session)
    desk = await Desk.open(session)
    await desk.wait_for("hello")
    await desk.send({"type": "state", "state": "available"})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "available")
    return desk


def buttons(result: dict[str, Any]) -> list[str]:
    return [b["title"] for r in result["replies"] for b in r["buttons"]]


def tracker_user_texts(stack: Stack, conversation: str) -> tuple[str, list[str]]:
    """Everything Rasa's tracker store wrote for a conversation, and the text of its user events."""
    path = stack.settings.resolve(stack.settings.data_dir) / "rasa_tracker.sqlite"
    with sqlite3.connect(path) as db:
        rows = list(db.execute("SELECT type_name, data FROM events WHERE sender_id = ?", (conversation,)))
    return "\n".join(d for _, d in rows), [json.loads(d)["text"] for kind, d in rows if kind == "user"]


def log_text(stack: Stack, name: str) -> str:
    path: Path = stack.settings.resolve(stack.settings.data_dir) / "logs" / f"{name}.log"
    return path.read_text(encoding="utf-8", errors="replace")


async def test_a_pin_typed_at_the_method_question_is_masked_everywhere(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    account, pin = ALICE
    desk = await available_desk(stack, floor)
    conversation = await start_conversation(http)
    await say(http, conversation, "what's my balance?")
    method_question = await say(http, conversation, account)
    assert "Security PIN" in buttons(method_question), reply_text(method_question)
    answered = await say(http, conversation, pin)  # typed straight away instead of choosing
    assert "Alice" in reply_text(answered), reply_text(answered)
    await say(http, conversation, "I want to talk to a person")
    offer = await desk.offer_for(conversation)

    customer_view = await transcript(http, conversation)
    async with (
        aiohttp.ClientSession() as internal,
        internal.get(
            f"{stack.internal_url}/api/conversations/{conversation}",
            headers={"Authorization": f"Bearer {stack.secrets.service_token.get_secret_value()}"},
        ) as response,
    ):
        full_view = await response.json()
    typed = [m["text"] for m in customer_view if m["sender"] == "customer"]
    assert typed.count(MASKED_TEXT) == 2, typed  # the account number and the PIN
    for where, seen in [("transcript", customer_view), ("service view", full_view), ("desk offer", offer)]:
        assert pin not in json.dumps(seen), where
    assert MASKED_TEXT in [m["text"] for m in offer["contact"]["transcript"]]

    everything, user_texts = tracker_user_texts(stack, conversation)
    assert pin not in everything and account not in everything  # user events and slot history
    assert user_texts.count(MASKED_TEXT) == 2, user_texts
    for name in ("gateway", "actions", *(p.name for p in stack.rasa_processes)):
        assert pin not in log_text(stack, name), f"{name}.log holds the PIN"
        assert "I want to talk to a person" not in log_text(stack, name), f"{name}.log holds customer text"


async def test_the_customer_sees_neither_the_agents_notes_nor_their_phone_address(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    desk = await available_desk(stack, floor)
    conversation = await start_conversation(http)
    frames: list[dict[str, Any]] = []
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        frames.append(await ws.receive_json(timeout=10))
        await ws.send_json({"type": "message", "text": "I want to talk to a person"})
        offer = await desk.offer_for(conversation)
        await desk.send({"type": "accept", "offer_id": offer["id"]})
        contact = (await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active"))["contact"]
        await desk.send({"type": "send", "contact_id": contact["id"], "text": "Hello, how can I help?"})
        await desk.send({"type": "end", "contact_id": contact["id"]})
        await desk.wait_for("contact", lambda e: e["contact"]["status"] == "wrap_up")
        await desk.send(
            {"type": "wrap_up", "contact_id": contact["id"], "disposition": "resolved", "notes": NOTES}
        )
        await desk.wait_for("contact_removed")
        while not frames or frames[-1]["type"] != "closed":
            frames.append(await ws.receive_json(timeout=10))

    joined = next(f for f in frames if f["type"] == "handoff" and f["status"] == "agent")
    assert set(joined["agent"]) == {"display_name"}
    assert "sip:" not in json.dumps(frames) and "sentiment" not in json.dumps(frames)
    async with http.get(f"/api/conversations/{conversation}") as response:
        body = await response.json()
    assert body["status"] == "closed" and body["outcome"] == {"reason": "agent_ended"}
    shown = json.dumps(body)
    assert NOTES not in shown and "resolved" not in shown and "sentiment" not in shown
    assert "Hello, how can I help?" in [m["text"] for m in body["messages"]]


async def test_two_withheld_callers_verifying_as_different_customers_stay_two(
    service: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    calls: list[dict[str, str]] = []
    for _ in range(2):
        async with service.post(
            "/api/internal/conversations", json={"channel": "phone", "external_id": "anonymous"}
        ) as response:
            assert response.status == 201
            calls.append(await response.json())
    assert calls[0]["customer_id"] != calls[1]["customer_id"]

    desk = await available_desk(stack, floor)
    seen: dict[str, dict[str, Any]] = {}
    for call, (account, pin), name in zip(calls, (ALICE, BEN), ("Alice", "Ben"), strict=True):
        conversation = call["conversation_id"]
        await say(service, conversation, "what's my balance?")
        await say(service, conversation, account)
        await say(service, conversation, "Security PIN", '/inform{"verification_method":"pin"}')
        verified = await say(service, conversation, pin)
        assert name in reply_text(verified), reply_text(verified)
        await say(service, conversation, "I want to talk to a person")
        offer = await desk.offer_for(conversation)
        seen[conversation] = offer["contact"]["context"]["customer"]
        async with service.post(  # the caller hangs up: the offer is withdrawn, the desk is free again
            f"/api/internal/conversations/{conversation}/close", json={"reason": "caller hung up"}
        ) as response:
            assert response.status == 200

    alice, ben = (seen[c["conversation_id"]] for c in calls)
    assert alice["display_name"] == "Alice" and ben["display_name"] == "Ben"
    assert alice["id"] != ben["id"]
    # Each sees their own call (and chats other tests had as the same bank customer), never the other's.
    alice_history = {h["conversation_id"] for h in alice["history"]}
    ben_history = {h["conversation_id"] for h in ben["history"]}
    assert calls[0]["conversation_id"] in alice_history and calls[1]["conversation_id"] not in alice_history
    assert calls[1]["conversation_id"] in ben_history and calls[0]["conversation_id"] not in ben_history
    assert not any(i["external_id"] == "anonymous" for i in alice["identities"] + ben["identities"])
