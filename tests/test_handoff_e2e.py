"""Handoff end to end over the real stack: a customer escalates, an agent's desk gets the offer with the
context, they talk, and the conversation goes back to the bot; plus the queue's failure cases."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from handoff.floor import TICKET
from handoff.store import Role
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import TEST_MAX_WAIT_S, Desk, add_agent, clear_queue, eventually, sign_in

pytestmark = pytest.mark.e2e

ANGRY = "This is absolutely useless. I'm furious, worst bank I have ever dealt with!"


@pytest.fixture
async def floor(stack: Stack) -> AsyncIterator[list[aiohttp.ClientSession]]:
    """Sessions opened by a test, closed after it; and an empty queue before it."""
    await clear_queue(stack)
    sessions: list[aiohttp.ClientSession] = []
    yield sessions
    for session in sessions:
        await session.close()


async def available_desk(stack: Stack, floor: list[aiohttp.ClientSession], **agent: Any) -> tuple[Desk, str]:
    username = await add_agent(stack, **agent)
    session = await sign_in(stack, username)
    floor.append(session)
    desk = await Desk.open(session)
    await desk.wait_for("hello")
    await desk.send({"type": "state", "state": "available"})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "available")
    return desk, username


async def texts(http: aiohttp.ClientSession, conversation: str, sender: str) -> list[str]:
    return [m["text"] for m in await transcript(http, conversation) if m["sender"] == sender]


async def status(http: aiohttp.ClientSession, conversation: str) -> str:
    async with http.get(f"/api/conversations/{conversation}") as response:
        return str((await response.json())["status"])


async def test_angry_customer_reaches_an_agent_with_context_and_goes_back_to_the_bot(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    desk, _ = await available_desk(stack, floor)
    conversation = await start_conversation(http)
    await say(http, conversation, "my card was declined at the supermarket")
    await say(http, conversation, ANGRY)

    offer = await desk.offer_for(conversation)
    contact = offer["contact"]
    context = contact["context"]
    assert contact["reason"] in {"complaint", "negative_sentiment"} and contact["queue"] == "complaints"
    assert context["trigger"]["explanation"] and context["summary"]
    assert "card declined" in context["summary"]
    assert context["intents"][0]["intent"] == "card_declined"
    assert context["sentiment"][-1]["score"] < -0.6
    assert any(m["text"] == ANGRY for m in contact["transcript"])
    assert context["suggestions"], "agent assist had nothing for a declined card"
    system = await texts(http, conversation, "system")
    assert any("colleague" in t for t in system) and any("in the queue" in t for t in system), system

    await desk.send({"type": "accept", "offer_id": offer["id"]})
    await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active")
    assert await eventually(lambda: _said(http, conversation, "system", "has joined"))
    assert await status(http, conversation) == "agent"

    await desk.send({"type": "send", "contact_id": contact["id"], "text": "Hello, I'm sorry about the card."})
    assert "Hello, I'm sorry about the card." in await eventually(lambda: texts(http, conversation, "agent"))
    result = await say(http, conversation, "it was declined twice, I need it working today")
    assert result["replies"] == [], "the bot answered while a person has the conversation"
    message = await desk.wait_for("message", lambda e: e["message"]["sender"] == "customer")
    assert message["message"]["text"] == "it was declined twice, I need it working today"
    suggestions = await desk.wait_for("suggestions")
    assert suggestions["contact_id"] == contact["id"] and suggestions["articles"]
    live = await desk.wait_for("context")
    assert len(live["context"]["sentiment"]) == len(context["sentiment"]) + 1

    await desk.send({"type": "handback", "contact_id": contact["id"]})
    await desk.wait_for("contact_removed")
    assert await status(http, conversation) == "bot"
    result = await say(http, conversation, "what time do your branches open?")
    assert result["replies"], "the bot did not take the conversation back"


async def test_a_declined_or_missed_offer_goes_to_the_next_agent(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    first, _ = await available_desk(stack, floor)
    second, _ = await available_desk(stack, floor)
    conversation = await start_conversation(http)
    await say(http, conversation, "I want to talk to a person please")

    # The longest idle agent (the first to become available) gets it first.
    offer = await first.offer_for(conversation)
    await first.send({"type": "decline", "offer_id": offer["id"]})
    await first.wait_for("offer_closed", lambda e: e["outcome"] == "declined")
    offer = await second.offer_for(conversation)
    # Not answering: after the timeout the offer expires and the agent is set away.
    await second.wait_for("offer_closed", lambda e: e["outcome"] == "expired", wait_s=10)
    await second.wait_for("agent", lambda e: e["agent"]["state"] == "away")
    # Everyone working has declined it: it comes back rather than wait for nobody.
    offer = await first.offer_for(conversation)
    await first.send({"type": "accept", "offer_id": offer["id"]})
    await first.wait_for("contact", lambda e: e["contact"]["status"] == "active")


async def test_a_customer_who_leaves_the_queue_is_an_abandoned_contact(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    supervisor = await sign_in(stack, await add_agent(stack, role=Role.SUPERVISOR, skills=()))
    floor.append(supervisor)

    async def abandoned() -> int:
        async with supervisor.get("/api/supervisor/stats") as response:
            assert response.status == 200
            stats = await response.json()
        return sum(q["abandoned"] for q in stats["queues"])

    before = await abandoned()
    conversation = await start_conversation(http)
    await say(http, conversation, "can I speak to a human")
    assert await status(http, conversation) == "queued"
    async with http.post(f"/api/conversations/{conversation}/close") as response:
        assert response.status == 200
    assert await abandoned() == before + 1
    async with http.get("/metrics") as response:
        assert "tandem_handoff_abandoned_total" in await response.text()
    async with http.post(f"/api/conversations/{conversation}/messages", json={"text": "hello?"}) as response:
        assert response.status == 409 and (await response.json())["error"]["code"] == "conversation_closed"


async def test_a_long_wait_offers_a_ticket_or_a_callback(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    desk, _ = await available_desk(stack, floor)
    await desk.send({"type": "state", "state": "away"})  # signed in, so the customer is asked to wait
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "away")
    conversation = await start_conversation(http)
    await say(http, conversation, "I want to talk to a person")
    assert TICKET not in await alternatives_offered(http, conversation)

    assert TICKET in await eventually(
        lambda: alternatives_offered(http, conversation), wait_s=TEST_MAX_WAIT_S + 5
    )
    await say(http, conversation, "Leave a message", payload=TICKET)

    # A ticket with a reference and a service level; the chat stays open for the team's answer.
    told = await eventually(lambda: _said(http, conversation, "system", "reply in this chat"))
    assert told and await status(http, conversation) == "ticket"
    assert re.search(r"T-\d{5}", " ".join(await texts(http, conversation, "system")))


async def test_an_agent_who_drops_gets_the_conversation_back_or_it_is_requeued(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    desk, _ = await available_desk(stack, floor)
    conversation = await start_conversation(http)
    await say(http, conversation, "put me through to an agent")
    offer = await desk.offer_for(conversation)
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active")

    await desk.close()  # a dropped connection, e.g. a laptop's Wi-Fi
    desk = await Desk.open(floor[-1])
    hello = await desk.wait_for("hello")
    assert [c["conversation_id"] for c in hello["contacts"]] == [conversation]

    await desk.close()
    await asyncio.sleep(0.5)
    assert await eventually(lambda: _requeued(http, conversation), wait_s=15)
    assert await eventually(lambda: _said(http, conversation, "system", "disconnected"))


async def alternatives_offered(http: aiohttp.ClientSession, conversation: str) -> list[str]:
    messages = await transcript(http, conversation)
    return [b["payload"] for m in messages for b in (m["data"] or {}).get("buttons", [])]


async def _said(http: aiohttp.ClientSession, conversation: str, sender: str, part: str) -> bool:
    return any(part in t for t in await texts(http, conversation, sender))


async def _requeued(http: aiohttp.ClientSession, conversation: str) -> bool:
    return await status(http, conversation) == "queued"


async def test_restarting_the_gateway_mid_queue_loses_nothing(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    desk, _ = await available_desk(stack, floor, chat_capacity=1)
    working = await start_conversation(http)
    await say(http, working, "I want a human")
    offer = await desk.offer_for(working)
    await desk.send({"type": "accept", "offer_id": offer["id"]})
    await desk.wait_for("contact", lambda e: e["contact"]["status"] == "active")
    waiting = await start_conversation(http)
    await say(http, waiting, "let me speak to someone")  # the agent is full: this one waits
    assert await status(http, waiting) == "queued"

    await desk.close()
    stack.process("gateway").stop()
    stack.process("gateway").start()
    await asyncio.to_thread(stack.wait_healthy, 60)

    assert await status(http, waiting) == "queued"
    assert await status(http, working) == "agent"
    desk = await Desk.open(floor[-1])
    hello = await desk.wait_for("hello")
    assert [c["conversation_id"] for c in hello["contacts"]] == [working]
    contact = hello["contacts"][0]
    await desk.send({"type": "end", "contact_id": contact["id"]})
    await desk.wait_for("contact", lambda e: e["contact"]["status"] == "wrap_up")
    await desk.send(
        {"type": "wrap_up", "contact_id": contact["id"], "disposition": "resolved", "notes": "Card fixed."}
    )
    await desk.wait_for("contact_removed")
    offer = await desk.offer_for(waiting)
    assert "let me speak to someone" in [m["text"] for m in offer["contact"]["transcript"]]


async def test_desk_and_dashboard_check_sign_in_role_and_input(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    async with http.get("/desk", allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"] == "/desk/login"
    async with http.post("/api/desk/login", json={"username": "nobody", "password": "x"}) as response:
        assert response.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect("/api/desk/socket")
    assert refused.value.status == 401

    desk, username = await available_desk(stack, floor)
    agent = floor[-1]
    async with agent.get("/desk/supervisor", allow_redirects=False) as response:
        assert response.status == 403
    async with agent.get("/api/supervisor/stats") as response:
        assert response.status == 403
    async with agent.post("/api/desk/login", json={"username": username, "password": "wrong"}) as response:
        assert response.status == 401

    for frame, code in [
        ("not json", "malformed_json"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "accept"}', "invalid_offer_id"),
        ('{"type": "accept", "offer_id": "nope"}', "unknown_offer"),
        ('{"type": "state", "state": "busy"}', "invalid_state"),
        ('{"type": "send", "contact_id": "x", "text": "' + "a" * 5000 + '"}', "message_too_large"),
    ]:
        await desk.ws.send_str(frame)
        error = await desk.wait_for("error")
        assert error["code"] == code, (frame[:40], error)
    await desk.send({"type": "state", "state": "away"})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "away")


async def test_a_transfer_goes_to_the_other_queue_with_its_context(
    http: aiohttp.ClientSession, stack: Stack, floor: list[aiohttp.ClientSession]
) -> None:
    cards, _ = await available_desk(stack, floor, skills=("cards",))
    conversation = await start_conversation(http)
    await say(http, conversation, "my card was declined")
    await say(http, conversation, "can I talk to someone please")
    offer = await cards.offer_for(conversation)
    assert offer["contact"]["queue"] == "cards"
    await cards.send({"type": "accept", "offer_id": offer["id"]})
    await cards.wait_for("contact", lambda e: e["contact"]["status"] == "active")

    payments, _ = await available_desk(stack, floor, skills=("payments",))
    await cards.send({"type": "transfer", "contact_id": offer["contact"]["id"], "queue": "payments"})
    await cards.wait_for("contact_removed")
    transferred = await payments.offer_for(conversation)
    assert transferred["contact"]["queue"] == "payments"
    assert transferred["contact"]["context"]["transferred_from"]["queue"] == "cards"
    assert transferred["contact"]["context"]["summary"] == offer["contact"]["context"]["summary"]
    assert await status(http, conversation) == "queued"
