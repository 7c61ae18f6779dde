"""Watching a live conversation over HTTP (handoff/monitoring.py): supervisors monitor any, and a colleague
consults on one when its agent asks. Both get the conversation as its agent sees it, a socket that follows
it live, and a way to write to the agent only.

Supervisors, the page /desk/monitor?contact=ID:
GET  /api/supervisor/contacts/{contact_id}          the contact with its transcript and notes, and agent
GET  /api/supervisor/contacts/{contact_id}/socket   {"type": "hello", contact} then the agent's desk frames
                                                    about it (messages, notes, typing, status); read-only
POST /api/supervisor/contacts/{contact_id}/whisper  {text}: a note to the agent, never to the customer
POST /api/supervisor/contacts/{contact_id}/tap      {mode: listen | barge | off}: the supervisor's phone on
                                                    the call; how it goes arrives as tap frames on the socket

Consults, the page /desk/consult?contact=ID:
POST /api/desk/contacts/{contact_id}/consult        {colleague_id}: the contact's agent asks a colleague
GET  /api/desk/consults                             the live contacts I have been asked to consult on
GET  /api/desk/consults/{contact_id}                as the supervisor's, for a colleague asked
GET  /api/desk/consults/{contact_id}/socket         as the supervisor's
POST /api/desk/consults/{contact_id}/notes          {text}: a note to the agent, never to the customer
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from handoff.store import Role
from handoff.web_desk import HANDOFF, OPEN_SOCKETS, require_role, role_page
from tandem import validation
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS
from tandem.web_chat import read_json
from tandem.web_ws import forward_events

routes = web.RouteTableDef()
SUPERVISORS = (Role.SUPERVISOR,)
EVERYONE = (Role.AGENT, Role.SUPERVISOR)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

routes.get("/desk/monitor")(role_page("monitor.html", *SUPERVISORS))
routes.get("/desk/consult")(role_page("monitor.html", *EVERYONE))


def _contact_id(request: web.Request) -> str:
    return request.match_info["contact_id"][:64]


def _view(roles: tuple[Role, ...]) -> Handler:
    async def view(request: web.Request) -> web.Response:
        viewer = await require_role(request, *roles)
        contact = await request.app[HANDOFF].monitoring.view(viewer, _contact_id(request))
        return web.json_response({"contact": contact})

    return view


def _follow(roles: tuple[Role, ...]) -> Handler:
    async def follow(request: web.Request) -> web.WebSocketResponse:
        viewer = await require_role(request, *roles)
        require_same_origin(request)
        monitoring = request.app[HANDOFF].monitoring
        contact_id = _contact_id(request)
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=4096)
        # Subscribed before the hello is read, so nothing said in between is missed; read before the
        # upgrade, so a conversation no longer live (or not this viewer's to watch) is a plain HTTP error.
        async with await monitoring.follow(viewer, contact_id) as events:
            hello = {"type": "hello", "contact": await monitoring.view(viewer, contact_id)}
            await ws.prepare(request)
            with request.app[OPEN_SOCKETS].held(viewer.id, ws):
                await ws.send_json(hello)
                forwarder = asyncio.create_task(forward_events(events, ws))
                try:
                    async for frame in ws:  # read-only: nothing is taken from the viewer here
                        if frame.type == WSMsgType.ERROR:
                            break
                finally:
                    forwarder.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await forwarder
        return ws

    return follow


def _write(roles: tuple[Role, ...]) -> Handler:
    async def write(request: web.Request) -> web.Response:
        viewer = await require_role(request, *roles)
        require_same_origin(request)
        body = await read_json(request)
        text = validation.message_text(body.get("text"), request.app[SETTINGS].gateway.max_message_bytes)
        await request.app[HANDOFF].monitoring.write(viewer, _contact_id(request), text)
        return web.json_response({"sent": True})

    return write


routes.get("/api/supervisor/contacts/{contact_id}")(_view(SUPERVISORS))
routes.get("/api/supervisor/contacts/{contact_id}/socket")(_follow(SUPERVISORS))
routes.post("/api/supervisor/contacts/{contact_id}/whisper")(_write(SUPERVISORS))
routes.get("/api/desk/consults/{contact_id}")(_view(EVERYONE))
routes.get("/api/desk/consults/{contact_id}/socket")(_follow(EVERYONE))
routes.post("/api/desk/consults/{contact_id}/notes")(_write(EVERYONE))


@routes.post("/api/supervisor/contacts/{contact_id}/tap")
async def tap(request: web.Request) -> web.Response:
    supervisor = await require_role(request, *SUPERVISORS)
    require_same_origin(request)
    body = await read_json(request)
    mode = str(body.get("mode"))
    await request.app[HANDOFF].monitoring.tap(supervisor, _contact_id(request), mode)
    return web.json_response({"mode": mode})


@routes.post("/api/desk/contacts/{contact_id}/consult")
async def ask(request: web.Request) -> web.Response:
    agent = await require_role(request, *EVERYONE)
    require_same_origin(request)
    body = await read_json(request)
    colleague_id = body.get("colleague_id")
    if not isinstance(colleague_id, str) or not 1 <= len(colleague_id) <= 64:
        raise validation.InputError("invalid_colleague_id", "'colleague_id' is missing or malformed.")
    asked = await request.app[HANDOFF].monitoring.ask(agent.id, _contact_id(request), colleague_id)
    return web.json_response(asked)


@routes.get("/api/desk/consults")
async def asked_of_me(request: web.Request) -> web.Response:
    agent = await require_role(request, *EVERYONE)
    return web.json_response({"consults": await request.app[HANDOFF].monitoring.asked_of(agent.id)})
