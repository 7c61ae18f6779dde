"""The one event hub behind the chat and desk sockets: a reader that falls a whole queue behind is
cut off and its socket closed, so it reconnects and catches up, instead of silently missing events."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import WSCloseCode, web
from aiohttp.test_utils import TestClient, TestServer

from tandem.events import EventHub, FellBehind
from tandem.web_ws import forward_events


async def test_a_reader_gets_every_event_in_order_while_it_keeps_up() -> None:
    hub = EventHub(queue_size=4)
    async with hub.subscribe("c1") as reader, hub.subscribe("c2") as other:
        for n in range(4):
            hub.publish("c1", {"type": "message", "n": n})
        assert [(await reader.get())["n"] for _ in range(4)] == [0, 1, 2, 3]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other.get(), 0.01)
    assert not hub.has_subscribers("c1") and hub.keys() == frozenset()


async def test_a_reader_that_overflows_is_cut_off_and_gets_nothing_more() -> None:
    hub = EventHub(queue_size=4)
    async with hub.subscribe("agent-1") as slow, hub.subscribe("agent-1") as fast:
        for n in range(5):
            hub.publish("agent-1", {"type": "message", "n": n})
            if n < 4:
                await fast.get()
        hub.publish("agent-1", {"type": "message", "n": 5})
        assert slow.cut_off and not fast.cut_off
        with pytest.raises(FellBehind):
            await slow.get()
        assert [(await fast.get())["n"] for _ in range(2)] == [4, 5]


async def test_a_socket_that_fell_behind_is_closed_so_the_page_reconnects() -> None:
    hub = EventHub(queue_size=8)

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async with hub.subscribe("c1") as events:
            # Everything at once, before the forwarder runs: more than the queue holds.
            for n in range(20):
                hub.publish("c1", {"type": "message", "n": n})
            await forward_events(events, ws)
        return ws

    app = web.Application()
    app.router.add_get("/ws", socket)
    async with TestClient(TestServer(app)) as client:
        ws = await client.ws_connect("/ws")
        frame = await asyncio.wait_for(ws.receive(), 10)
        assert frame.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == WSCloseCode.TRY_AGAIN_LATER
