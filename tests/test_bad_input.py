"""Bad input gets a clear JSON error, never a crash, and nothing already accepted is lost."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest
from aiohttp import WSMsgType

from tests.chat_client import start_conversation, transcript

pytestmark = pytest.mark.e2e
UNKNOWN = uuid.uuid4().hex


async def post_raw(http: aiohttp.ClientSession, path: str, body: bytes) -> tuple[int, dict[str, object]]:
    async with http.post(path, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"text": ""}', 400, "empty_message"),
        (b'{"text": "   "}', 400, "empty_message"),
        (json.dumps({"text": "x" * 4097}).encode(), 413, "message_too_large"),
        (json.dumps({"text": "a\u0000b\u0001"}).encode(), 400, "invalid_characters"),
        (b'{"text": "caf\xe9"}', 400, "invalid_encoding"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 400, "invalid_encoding"),
        (b'{"text": "unterminated', 400, "malformed_json"),
        (b"[]", 400, "malformed_json"),
        (b'{"message": "wrong key"}', 400, "invalid_message"),
        (b'{"text": "ok", "payload": "no-slash"}', 400, "invalid_payload"),
        (json.dumps({"text": "y" * 200_000}).encode(), 413, "message_too_large"),
    ],
)
async def test_bad_messages_get_clear_errors(
    http: aiohttp.ClientSession, body: bytes, status: int, code: str
) -> None:
    conversation = await start_conversation(http)
    got_status, got = await post_raw(http, f"/api/conversations/{conversation}/messages", body)
    assert (got_status, got["error"]["code"]) == (status, code), got  # type: ignore[index]
    assert await transcript(http, conversation) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/conversations/{UNKNOWN}"),
        ("POST", f"/api/conversations/{UNKNOWN}/messages"),
        ("GET", "/api/conversations/not-an-id"),
        ("POST", "/api/conversations/..%2F..%2Fetc/messages"),
    ],
)
async def test_unknown_conversations_are_404(http: aiohttp.ClientSession, method: str, path: str) -> None:
    async with http.request(method, path, json={"text": "hello"}) as response:
        body = await response.json()
    assert response.status == 404
    assert body["error"]["code"] in {"unknown_conversation", "not_found"}


async def test_unknown_conversation_socket_is_refused(http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await http.ws_connect(f"/api/conversations/{UNKNOWN}/ws")
    assert caught.value.status == 404


async def test_rest_flood_is_rate_limited_and_accepted_messages_are_kept(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)

    async def send(i: int) -> int:
        async with http.post(f"/api/conversations/{conversation}/messages", json={"text": f"flood {i}"}) as r:
            if r.status == 429:
                assert r.headers["Retry-After"]
                assert (await r.json())["error"]["code"] == "rate_limited"
            return r.status

    statuses = await asyncio.gather(*(send(i) for i in range(30)))
    assert set(statuses) == {200, 429}
    stored = [m["text"] for m in await transcript(http, conversation) if m["sender"] == "customer"]
    assert len(stored) == statuses.count(200)


async def test_socket_survives_bad_frames_and_a_flood(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        await ws.receive_json()  # hello
        await ws.send_bytes(b"\x00\x01binary")
        await ws.send_str("{not json")
        await ws.send_json({"type": "message", "text": ""})
        await ws.send_json({"type": "shout", "text": "hi"})
        await ws.send_json({"type": "message", "text": "z" * 5000})
        await ws.send_json({"type": "typing", "on": "yes"})
        for _ in range(200):  # a flood of typing frames is dropped, not answered and not relayed
            await ws.send_json({"type": "typing", "on": True})
        errors = [(await ws.receive_json())["code"] for _ in range(6)]
        assert errors == [
            "binary_not_supported",
            "malformed_json",
            "empty_message",
            "unknown_type",
            "message_too_large",
            "invalid_on",
        ]
        for i in range(25):
            await ws.send_json({"type": "message", "text": f"quick {i}", "client_id": str(i)})
        acks, limited = set(), 0
        async with asyncio.timeout(60):
            while len(acks) + limited < 25:
                frame = await ws.receive_json()
                if frame["type"] == "ack":
                    acks.add(frame["client_id"])
                elif frame["type"] == "error":
                    assert frame["code"] == "rate_limited"
                    limited += 1
        assert limited > 0 and acks
    stored = {m["text"] for m in await transcript(http, conversation) if m["sender"] == "customer"}
    assert stored == {f"quick {i}" for i in acks}


async def test_invalid_utf8_text_frame_closes_with_1007_and_history_is_intact(
    http: aiohttp.ClientSession,
) -> None:
    conversation = await start_conversation(http)
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "message", "text": "before the bad frame", "client_id": "a"})
        async with asyncio.timeout(20):
            while (await ws.receive_json())["type"] != "ack":
                pass
        await ws.send_frame(b"\xff\xfe", WSMsgType.TEXT)
        # Conversation events already on their way may arrive before the close frame.
        async with asyncio.timeout(10):
            while (await ws.receive()).type == WSMsgType.TEXT:
                pass
        assert ws.close_code == aiohttp.WSCloseCode.INVALID_TEXT
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        hello = await ws.receive_json()
    assert hello["messages"][0]["text"] == "before the bad frame"


async def test_oversized_frame_closes_with_1009(http: aiohttp.ClientSession) -> None:
    conversation = await start_conversation(http)
    async with http.ws_connect(f"/api/conversations/{conversation}/ws") as ws:
        await ws.receive_json()
        await ws.send_str("x" * 70_000)
        async with asyncio.timeout(10):
            while (await ws.receive()).type == WSMsgType.TEXT:
                pass
        assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG


@pytest.mark.parametrize(
    "body",
    [b'{"visitor_id": "short"}', b'{"visitor_id": 12345678}', b"{}", b'{"visitor_id": "caf\xe9-visitor"}'],
)
async def test_bad_visitor_ids_are_refused(http: aiohttp.ClientSession, body: bytes) -> None:
    status, got = await post_raw(http, "/api/conversations", body)
    assert status == 400
    assert got["error"]["code"] in {"invalid_visitor", "invalid_encoding"}  # type: ignore[index]
