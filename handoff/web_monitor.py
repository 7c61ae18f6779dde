"""Monitoring over HTTP, for supervisors: the page /desk/monitor?contact=ID, the conversation as its agent
sees it, a socket that follows it live, and whispers to the agent.

GET  /api/supervisor/contacts/{contact_id}          the contact with its transcript and notes, and agent
GET  /api/supervisor/contacts/{contact_id}/socket   {"type": "hello", contact} then the agent's desk frames
                                                    about it (messages, notes, typing, status); read-only
POST /api/supervisor/contacts/{contact_id}/whisper  {text}: a note to the agent, never to the customer
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSMsgType, web

from handoff.store import Role
from handoff.web_desk import HANDOFF, OPEN_SOCKETS, require_role, role_page
from tandem import validation
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS
from tandem.web_chat import read_json
from tandem.web_ws import forward_events

routes = web.RouteTableDef()

routes.get("/desk/monitor")(role_page("monitor.html", Role.SUPERVISOR))


def _contact_id(request: web.Request) -> str:
    return request.match_info["contact_id"][:64]


@routes.get("/api/supervisor/contacts/{contact_id}")
async def watched(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    return web.json_response({"contact": await request.app[HANDOFF].monitoring.view(_contact_id(request))})


@routes.get("/api/supervisor/contacts/{contact_id}/socket")
async def follow(request: web.Request) -> web.WebSocketResponse:
    supervisor = await require_role(request, Role.SUPERVISOR)
    require_same_origin(request)
    monitoring = request.app[HANDOFF].monitoring
    contact_id = _contact_id(request)
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=4096)
    # Subscribed before the hello is read, so nothing said in between is missed; read before the upgrade,
    # so a conversation no longer live is a plain 404.
    async with monitoring.follow(contact_id) as events:
        hello = {"type": "hello", "contact": await monitoring.view(contact_id)}
        await ws.prepare(request)
        with request.app[OPEN_SOCKETS].held(supervisor.id, ws):
            await ws.send_json(hello)
            forwarder = asyncio.create_task(forward_events(events, ws))
            try:
                async for frame in ws:  # read-only: nothing is taken from the supervisor here
                    if frame.type == WSMsgType.ERROR:
                        break
            finally:
                forwarder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forwarder
    return ws


@routes.post("/api/supervisor/contacts/{contact_id}/whisper")
async def whisper(request: web.Request) -> web.Response:
    supervisor = await require_role(request, Role.SUPERVISOR)
    require_same_origin(request)
    body = await read_json(request)
    text = validation.message_text(body.get("text"), request.app[SETTINGS].gateway.max_message_bytes)
    await request.app[HANDOFF].monitoring.whisper(supervisor, _contact_id(request), text)
    return web.json_response({"whispered": True})
