"""Chat end to end through the gateway, a real Rasa server, the action server and the knowledge index."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tandem.processes import Stack
from tests.chat_client import reply_text, say, start_conversation, transcript

pytestmark = pytest.mark.e2e


async def test_health_reports_every_component_up(http: aiohttp.ClientSession, stack: Stack) -> None:
    async with http.get("/health") as response:
        body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ok"
    assert set(body["components"]) == {"rasa", "actions", "index", "store"}
    assert body["components"]["index"]["detail"]["articles"] >= 60
    rasa = body["components"]["rasa"]["detail"]
    assert rasa["model"].startswith("tandem-")
    assert rasa["workers_up"] == rasa["workers"] == stack.settings.rasa.workers


async def test_rest_chat_stores_both_sides_with_intent(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    result = await say(http, conversation, "Hello there")
    assert result["bot_available"] is True
    assert reply_text(result)
    messages = await transcript(http, conversation)
    customer, *bot = messages
    assert (customer["sender"], customer["text"], customer["intent"]) == ("customer", "Hello there", "greet")
    assert customer["confidence"] > 0.5
    assert [m["text"] for m in bot] == [r["text"] for r in result["replies"]]
    assert all(m["sender"] == "bot" and m["channel"] == "web" for m in bot)
    assert result["farewell"] is False


async def test_a_goodbye_answered_by_the_bot_is_marked_as_its_farewell(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    assert (await say(http, conversation, "what time do your branches open on a saturday?"))[
        "farewell"
    ] is False
    result = await say(http, conversation, "alright then, bye for now")
    assert result["farewell"] is True and "Northwind" in reply_text(result)


async def test_faq_is_answered_from_the_knowledge_index_with_its_title(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    result = await say(http, conversation, "what time do your branches open on a saturday?")
    text = reply_text(result)
    assert "Branch opening hours" in text
    assert "9:00" in text or "9am" in text.lower()


async def test_unplaceable_message_asks_to_rephrase_and_offers_a_person(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    result = await say(http, conversation, "zxqv blorp fnord")
    buttons = [b["title"].lower() for r in result["replies"] for b in r["buttons"]]
    assert any("person" in b or "human" in b or "agent" in b for b in buttons), result
    assert "rephrase" in reply_text(result).lower() or "didn't" in reply_text(result).lower()


async def receive_until(ws: aiohttp.ClientWebSocketResponse, done: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(20):
        while not frames or not done(frames):
            frames.append(await ws.receive_json())
    return frames


async def test_websocket_chat_pushes_typing_replies_and_ack(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        hello = await ws.receive_json()
        assert hello["type"] == "hello" and hello["messages"] == [] and hello["bot_available"]
        await ws.send_json({"type": "message", "text": "hi", "client_id": "c-1"})
        frames = await receive_until(ws, lambda fs: fs[-1]["type"] == "ack")
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "message" and frames[0]["message"]["sender"] == "customer"
    assert {"type": "typing", "on": True} in frames and {"type": "typing", "on": False} in frames
    bot_messages = [
        f["message"] for f in frames if f["type"] == "message" and f["message"]["sender"] == "bot"
    ]
    assert bot_messages, frames
    assert frames[-1] == {"type": "ack", "client_id": "c-1", "message_id": frames[0]["message"]["id"]}


async def test_reconnecting_socket_gets_the_history(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "thanks")
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        hello = await ws.receive_json()
    first = hello["messages"][0]
    assert (first["sender"], first["text"]) == ("customer", "thanks")
    assert len(hello["messages"]) >= 2


async def test_same_visitor_is_the_same_customer(http: aiohttp.ClientSession) -> None:
    ids = []
    for _ in range(2):
        async with http.post("/api/conversations", json={"visitor_id": "visitor-fixed-0001"}) as response:
            ids.append((await response.json())["customer_id"])
    assert ids[0] == ids[1]


async def test_metrics_count_the_traffic(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    await say(http, conversation, "good morning")
    async with http.get("/metrics") as response:
        text = await response.text()
    assert response.status == 200
    for name in (
        'tandem_messages_total{channel="web",sender="customer"}',
        "tandem_bot_turn_seconds_count",
        "tandem_bot_up 1.0",
        "tandem_http_request_seconds_bucket",
    ):
        assert name in text


async def test_openapi_documents_every_route(http: aiohttp.ClientSession, stack: Stack) -> None:
    async with http.get("/openapi.json") as response:
        spec = await response.json()
    from tandem.app import create_app

    app = create_app(stack.settings, stack.secrets)
    routes = {
        r.resource.canonical
        for r in app.router.routes()
        if r.resource is not None and r.method != "HEAD" and not r.resource.canonical.startswith("/static")
    }
    assert routes == set(spec["paths"])
