"""The service API the voice gateway uses: phone conversations, notes, closing with a recording.

It lives on the gateway's internal site (127.0.0.1:gateway.internal_port); the public listener
answers 404 under /api/internal and never honours the service token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tandem.processes import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def service(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.secrets.service_token.get_secret_value()}"}


@pytest.fixture
async def internal(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=stack.internal_url) as session:
        yield session


async def open_call(http: aiohttp.ClientSession, service: dict[str, str], caller: str) -> dict[str, str]:
    async with http.post(
        "/api/internal/conversations", json={"channel": "phone", "external_id": caller}, headers=service
    ) as response:
        assert response.status == 201
        result: dict[str, str] = await response.json()
        return result


async def test_a_call_is_a_conversation_of_the_callers_customer(
    internal: aiohttp.ClientSession, service: dict[str, str]
) -> None:
    http = internal
    first = await open_call(http, service, "+447700900123")
    second = await open_call(http, service, "+447700900123")
    assert first["customer_id"] == second["customer_id"]
    conversation = first["conversation_id"]

    async with http.post(
        f"/api/internal/conversations/{conversation}/notes",
        json={"sender": "bot", "text": "Welcome to Northwind Bank."},
        headers=service,
    ) as response:
        assert response.status == 201
    async with http.post(
        f"/api/conversations/{conversation}/messages", json={"text": "hello"}, headers=service
    ) as response:
        assert response.status == 200
        assert (await response.json())["replies"]
    async with http.post(
        f"/api/internal/conversations/{conversation}/close",
        json={"reason": "caller hung up", "recording": "/var/rec/call.wav"},
        headers=service,
    ) as response:
        assert response.status == 200
    async with http.get(f"/api/conversations/{conversation}", headers=service) as response:
        body = await response.json()
    assert body["channel"] == "phone" and body["status"] == "closed"
    assert body["outcome"]["reason"] == "caller hung up"
    assert body["outcome"]["recording"] == "/var/rec/call.wav"
    assert [m["sender"] for m in body["messages"]][:2] == ["bot", "customer"]
    assert all(m["channel"] == "phone" for m in body["messages"])


async def test_phone_conversations_need_the_service_token(
    internal: aiohttp.ClientSession, service: dict[str, str]
) -> None:
    http = internal
    conversation = (await open_call(http, service, "+447700900999"))["conversation_id"]
    wrong = {"Authorization": "Bearer not-the-token"}
    for method, path in [
        ("GET", f"/api/conversations/{conversation}"),
        ("POST", f"/api/conversations/{conversation}/messages"),
        ("POST", f"/api/internal/conversations/{conversation}/notes"),
        ("POST", f"/api/internal/conversations/{conversation}/close"),
        ("POST", "/api/internal/conversations"),
    ]:
        for headers in ({}, wrong):
            async with http.request(method, path, json={"text": "hi"}, headers=headers) as response:
                assert response.status == 401, (method, path)
                assert (await response.json())["error"]["code"] == "unauthorized"
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await http.ws_connect(f"/api/conversations/{conversation}/ws")
    assert caught.value.status == 401


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "web", "external_id": "+447700900123"},
        {"channel": "phone", "external_id": ""},
        {"channel": "phone", "external_id": "x" * 200},
        {"channel": "phone"},
    ],
)
async def test_bad_service_requests_are_refused(
    internal: aiohttp.ClientSession, service: dict[str, str], body: dict[str, str]
) -> None:
    async with internal.post("/api/internal/conversations", json=body, headers=service) as response:
        assert response.status == 400


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on that port, from the kernel's own table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.security
async def test_the_service_api_is_only_on_the_loopback_site(
    http: aiohttp.ClientSession, internal: aiohttp.ClientSession, service: dict[str, str], stack: Stack
) -> None:
    # The internal site listens on 127.0.0.1 alone (little-endian hex in the kernel's table).
    assert listening_addresses(stack.settings.gateway.internal_port) == {"0100007F"}
    body = {"channel": "phone", "external_id": "+447700900555"}
    async with http.post("/api/internal/conversations", json=body, headers=service) as response:
        assert response.status == 404  # the public listener: as if it did not exist, right token or not
    conversation = (await open_call(internal, service, "+447700900555"))["conversation_id"]
    for method, path in [
        ("POST", f"/api/internal/conversations/{conversation}/notes"),
        ("POST", f"/api/internal/conversations/{conversation}/close"),
    ]:
        async with http.request(
            method, path, json={"text": "hi", "sender": "bot"}, headers=service
        ) as response:
            assert response.status == 404, path
    # The public listener does not honour the service token for a phone conversation either.
    for method, path in [
        ("GET", f"/api/conversations/{conversation}"),
        ("POST", f"/api/conversations/{conversation}/messages"),
    ]:
        async with http.request(method, path, json={"text": "hi"}, headers=service) as response:
            assert response.status == 401, path
    async with internal.get(f"/api/conversations/{conversation}", headers=service) as response:
        assert response.status == 200
        assert (await response.json())["channel"] == "phone"
