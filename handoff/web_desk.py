"""The agents' desk and the supervisors' dashboard: sign-in, pages, and their live sockets.

Every page and socket checks the session cookie and the role. Desk frames (JSON):
client -> server: accept, decline (offer_id); send, note (contact_id, text); typing (contact_id, on);
state (state); end, handback (contact_id); wrap_up (contact_id, disposition, notes); transfer
(contact_id, queue).
server -> client: the frames of handoff.events (hello first on every connect).

`register` is all the gateway needs: it adds these routes and runs the handoff service with the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from handoff.canned import CannedLibrary
from handoff.cluster_links import join_cluster
from handoff.events import ErrorFrame, HelloFrame, StatsFrame
from handoff.open_sockets import OpenSockets
from handoff.passwords import new_session_token, session_hash, verify_or_waste
from handoff.service import HandoffService
from handoff.signin_guard import SignInGuard
from handoff.store import Agent, HandoffStore, Role
from tandem import validation
from tandem.access import client_of, require_same_origin
from tandem.app_keys import BOT, CLUSTER, KNOWLEDGE, METRICS, SERVICE, SETTINGS, STORE
from tandem.events import Subscription
from tandem.validation import InputError
from tandem.web_chat import read_json
from tandem.web_ws import forward_events

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
HANDOFF = web.AppKey("handoff", HandoffService)
SIGNIN_GUARD = web.AppKey("signin_guard", SignInGuard)
OPEN_SOCKETS = web.AppKey("open_sockets", OpenSockets)
COOKIE = "tandem_desk"
STATS_INTERVAL_S = 1.0
MAX_NOTES_BYTES = 8192


async def signed_in(request: web.Request) -> Agent | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    return await request.app[HANDOFF].contacts.session_agent(session_hash(token), time.time())


async def require_role(request: web.Request, *roles: Role) -> Agent:
    agent = await signed_in(request)
    if agent is None:
        raise InputError("unauthorized", "Sign in first.", 401)
    if agent.role not in roles:
        raise InputError("forbidden", "Your role may not open this.", 403)
    return agent


def role_page(name: str, *roles: Role) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def page(request: web.Request) -> web.StreamResponse:
        agent = await signed_in(request)
        if agent is None:
            raise web.HTTPFound("/desk/login")
        if agent.role not in roles:
            raise web.HTTPForbidden(reason="Your role may not open this page")
        return web.FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-store"})

    return page


async def login_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "login.html")


@routes.post("/api/desk/login")
async def login(request: web.Request) -> web.Response:
    require_same_origin(request)
    body = await read_json(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 1024:
        raise InputError("invalid_credentials", "Give a username and a password.")
    username = username.strip()
    address = client_of(request)
    guard = request.app[SIGNIN_GUARD]
    wait_s = guard.wait_s(username, address)
    if wait_s:
        raise InputError(
            "signin_locked", f"Too many failed sign-ins; try again in {max(1, round(wait_s))} s.", 429
        )
    handoff = request.app[HANDOFF]
    found = await handoff.contacts.credentials(username)
    verified = await asyncio.to_thread(verify_or_waste, password, found[1] if found else None)
    # A disabled account is refused like a wrong password: the answer tells a guesser nothing.
    if found is None or not verified or found[0].disabled_at is not None:
        guard.failed(username, address)
        log.info("desk sign-in refused")
        raise InputError("bad_credentials", "Wrong username or password.", 401)
    guard.succeeded(username)
    agent = found[0]
    token, token_hash = new_session_token()
    hours = request.app[SETTINGS].handoff.session_hours
    await handoff.contacts.create_session(token_hash, agent.id, time.time() + hours * 3600)
    response = web.json_response({"agent": agent.to_json()})
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        max_age=int(hours * 3600),
        path="/",
        secure=request.secure or request.app[SETTINGS].gateway.tls,
    )
    log.info("agent signed in", extra={"agent_id": agent.id})
    return response


@routes.post("/api/desk/logout")
async def logout(request: web.Request) -> web.Response:
    require_same_origin(request)
    token = request.cookies.get(COOKIE)
    if token:
        await request.app[HANDOFF].contacts.delete_session(session_hash(token))
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/api/desk/colleagues")
async def colleagues(request: web.Request) -> web.Response:
    agent = await require_role(request, Role.AGENT, Role.SUPERVISOR)
    return web.json_response({"colleagues": await request.app[HANDOFF].colleagues(agent.id)})


@routes.get("/api/desk/me")
async def me(request: web.Request) -> web.Response:
    agent = await require_role(request, Role.AGENT, Role.SUPERVISOR)
    return web.json_response({"agent": agent.to_json()})


@routes.get("/api/supervisor/stats")
async def stats(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    return web.json_response(await request.app[HANDOFF].floor())


@routes.get("/api/supervisor/socket")
async def supervisor_socket(request: web.Request) -> web.WebSocketResponse:
    supervisor = await require_role(request, Role.SUPERVISOR)
    require_same_origin(request)
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=4096)
    await ws.prepare(request)
    with request.app[OPEN_SOCKETS].held(supervisor.id, ws):
        await _send_stats(request.app[HANDOFF], ws)
    return ws


async def _send_stats(handoff: HandoffService, ws: web.WebSocketResponse) -> None:
    while not ws.closed:
        with contextlib.suppress(ConnectionResetError):
            await ws.send_json(StatsFrame(type="stats", stats=await handoff.floor()))
        # Nothing is expected from the dashboard; reading notices a close at once.
        with contextlib.suppress(TimeoutError):
            frame = await ws.receive(timeout=STATS_INTERVAL_S)
            if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                break


@routes.get("/api/desk/socket")
async def desk_socket(request: web.Request) -> web.WebSocketResponse:
    agent = await require_role(request, Role.AGENT, Role.SUPERVISOR)
    require_same_origin(request)
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=64 * 1024)
    await ws.prepare(request)
    handoff = request.app[HANDOFF]
    async with handoff.desk_session(agent) as (hello, events):
        with request.app[OPEN_SOCKETS].held(agent.id, ws):
            await _serve_desk(request, ws, agent, hello, events)
    return ws


async def _serve_desk(
    request: web.Request, ws: web.WebSocketResponse, agent: Agent, hello: HelloFrame, events: Subscription
) -> None:
    await ws.send_json(hello)
    forwarder = asyncio.create_task(forward_events(events, ws))
    try:
        await _receive(request, ws, agent)
    finally:
        forwarder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forwarder


def _field(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise InputError(f"invalid_{key}", f"'{key}' is missing or malformed.")
    return value


async def _receive(request: web.Request, ws: web.WebSocketResponse, agent: Agent) -> None:
    handoff = request.app[HANDOFF]
    max_bytes = request.app[SETTINGS].gateway.max_message_bytes
    actions: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
        "accept": lambda b: handoff.accept(agent.id, _field(b, "offer_id")),
        "decline": lambda b: handoff.decline(agent.id, _field(b, "offer_id")),
        "send": lambda b: handoff.send(
            agent.id, _field(b, "contact_id"), validation.message_text(b.get("text"), max_bytes)
        ),
        "note": lambda b: handoff.note(
            agent.id, _field(b, "contact_id"), validation.message_text(b.get("text"), max_bytes)
        ),
        "typing": lambda b: handoff.typing(agent.id, _field(b, "contact_id"), _flag(b, "on")),
        "state": lambda b: handoff.set_state(agent.id, _field(b, "state")),
        "end": lambda b: handoff.end(agent.id, _field(b, "contact_id")),
        "wrap_up": lambda b: handoff.wrap_up(
            agent.id, _field(b, "contact_id"), _field(b, "disposition"), _notes(b.get("notes"))
        ),
        "transfer": lambda b: handoff.transfer(
            agent.id, _field(b, "contact_id"), _optional(b, "queue"), _optional(b, "to_agent")
        ),
        "handback": lambda b: handoff.handback(agent.id, _field(b, "contact_id")),
    }
    async for frame in ws:
        try:
            if frame.type != WSMsgType.TEXT:
                if frame.type == WSMsgType.BINARY:
                    raise InputError("binary_not_supported", "Send text frames with JSON.")
                continue
            body = validation.parse_json_object(frame.data)
            action = actions.get(str(body.get("type")))
            if action is None:
                raise InputError("unknown_type", f"type must be one of {sorted(actions)}.")
            await action(body)
        except InputError as error:
            with contextlib.suppress(ConnectionResetError):
                await ws.send_json(ErrorFrame(type="error", code=error.code, message=error.message))


def _optional(body: dict[str, Any], key: str) -> str | None:
    return None if body.get(key) in (None, "") else _field(body, key)


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise InputError(f"invalid_{key}", f"'{key}' is true or false.")
    return value


def _notes(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value.encode()) > MAX_NOTES_BYTES:
        raise InputError("invalid_notes", f"Notes are text of at most {MAX_NOTES_BYTES} bytes.")
    return value.strip()


routes.get("/desk/login")(login_page)
routes.get("/desk")(role_page("desk.html", Role.AGENT, Role.SUPERVISOR))
routes.get("/desk/supervisor")(role_page("supervisor.html", Role.SUPERVISOR))


def register(app: web.Application) -> None:
    """Add the desk's pages, API and sockets, and run the handoff service (and its router) alongside
    the conversation core, which must already be set up by an earlier cleanup context."""
    # They use this module's sign-in checks.
    from handoff import (
        web_admin,
        web_callbacks,
        web_canned,
        web_csat,
        web_history,
        web_monitor,
        web_quality,
        web_queues,
        web_reports,
        web_tickets,
    )

    settings = app[SETTINGS]
    app[SIGNIN_GUARD] = SignInGuard()
    app[OPEN_SOCKETS] = OpenSockets()
    app[web_canned.CANNED] = CannedLibrary(
        settings.resolve(settings.data_dir) / "canned_responses", settings.handoff.queues
    )
    app[web_canned.CANNED].seed()
    app.add_routes(routes)
    app.add_routes(web_canned.routes)
    app.add_routes(web_history.routes)
    app.add_routes(web_tickets.routes)
    app.add_routes(web_callbacks.routes)
    app.add_routes(web_csat.routes)
    app.add_routes(web_admin.routes)
    app.add_routes(web_monitor.routes)
    app.add_routes(web_reports.routes)
    app.add_routes(web_quality.routes)
    app.add_routes(web_queues.routes)
    app.cleanup_ctx.append(_run_service)


async def _run_service(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    handoff = HandoffService(
        app[SETTINGS],
        store,
        await HandoffStore.open(store.engine),
        app[SERVICE],
        app[BOT],
        app[KNOWLEDGE],
        app[METRICS],
    )
    await handoff.queue_book.load()  # what supervisors changed on the Queues page, before any routing
    app[SERVICE].human = app[HANDOFF] = handoff
    if CLUSTER in app:
        await join_cluster(app[CLUSTER], handoff, app[OPEN_SOCKETS], app[SIGNIN_GUARD])
        router = asyncio.create_task(app[CLUSTER].while_holding("router", handoff.run))
    else:
        router = asyncio.create_task(handoff.run())
    yield
    router.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await router
