"""Chat over WebSocket: the page's live channel. Events from the conversation core are pushed as JSON.

Client frames: {"type": "message", "text": "...", "payload": "/intent" (optional, for buttons)};
{"type": "typing", "on": true|false} while the customer writes (an agent on the conversation sees it).
Server frames: hello (with the transcript so far), message, typing (with "who" when a person types),
ack, error. A bad frame gets an
error frame and the socket stays open; only a protocol violation closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiohttp import WSCloseCode, WSMsgType, web

from tandem import validation
from tandem.access import client_of, is_service
from tandem.app_keys import CLIENT_LIMITER, METRICS, RATE_LIMITER, SERVICE, SETTINGS
from tandem.customer_view import customer_event, customer_message
from tandem.events import Event, FellBehind, Subscription
from tandem.logs import conversation_id_var
from tandem.store import Conversation
from tandem.validation import InputError
from tandem.web_chat import accessible_conversation

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

# Frames above this are refused by aiohttp itself (close code 1009); below it we answer with an error.
MAX_FRAME_BYTES = 64 * 1024
TYPING_EVERY_S = 1.0


@routes.get("/api/conversations/{conversation_id}/ws")
async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    conversation = await accessible_conversation(request)
    conversation_id_var.set(conversation.id)
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    metrics = request.app[METRICS]
    metrics.ws_connections.inc()
    service = request.app[SERVICE]
    # The voice gateway follows calls on this socket with the service token, and needs the agent's
    # phone address; a customer gets only what is meant for them.
    service_view = is_service(request)
    try:
        async with service.events.subscribe(conversation.id) as events:
            history = [m.to_json() for m in await service.transcript(conversation.id)]
            await ws.send_json(
                {
                    "type": "hello",
                    "conversation_id": conversation.id,
                    "bot_available": service.bot_available,
                    "status": await service.status(conversation.id),
                    "messages": history if service_view else [customer_message(m) for m in history],
                }
            )
            forwarder = asyncio.create_task(
                forward_events(events, ws, None if service_view else customer_event)
            )
            try:
                await _receive(request, ws, conversation, events)
            finally:
                forwarder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forwarder
    finally:
        metrics.ws_connections.dec()
    return ws


async def forward_events(
    events: Subscription,
    ws: web.WebSocketResponse,
    view: Callable[[Event], Event | None] | None = None,
) -> None:
    """Send queued events to the socket in order until it closes (chat and desk sockets alike),
    each through `view` when given (what a customer may see; None skips the event). A reader that fell
    behind is closed: it reconnects, and its hello carries what it missed."""
    while not ws.closed:
        try:
            event = await events.get()
        except FellBehind:
            log.warning("socket fell behind its events; closing it so it reconnects")
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"fell behind; reconnect")
            return
        shown = view(event) if view else event
        if shown is None:
            continue
        with contextlib.suppress(ConnectionResetError):
            await ws.send_json(shown)


async def _receive(
    request: web.Request,
    ws: web.WebSocketResponse,
    conversation: Conversation,
    outbox: Subscription,
) -> None:
    """Read client frames. Replies to this client go through `outbox`, behind the conversation events
    already queued, so an ack never overtakes the bot's replies it acknowledges."""
    settings = request.app[SETTINGS]
    limiter = request.app[RATE_LIMITER]
    metrics = request.app[METRICS]
    connection_key = f"ws:{id(ws)}"
    client_limiter, client_key = request.app[CLIENT_LIMITER], f"client:{client_of(request)}"
    typing = (False, 0.0)  # the last typing state relayed, and when
    async for frame in ws:
        try:
            if frame.type == WSMsgType.BINARY:
                raise InputError("binary_not_supported", "Send text frames with JSON, not binary data.")
            if frame.type != WSMsgType.TEXT:
                continue
            body = validation.parse_json_object(frame.data)
            client_id = body.get("client_id")
            if body.get("type") == "typing":
                if not isinstance(body.get("on"), bool):
                    raise InputError("invalid_on", "A typing frame's 'on' is true or false.")
                # A page sends one every couple of seconds; a flood of them is dropped, not relayed.
                if body["on"] != typing[0] or time.monotonic() - typing[1] >= TYPING_EVERY_S:
                    typing = (body["on"], time.monotonic())
                    request.app[SERVICE].customer_typing(conversation, body["on"])
                continue
            if body.get("type") != "message":
                raise InputError("unknown_type", "Frames must have type 'message' or 'typing'.")
            text = validation.message_text(body.get("text"), settings.gateway.max_message_bytes)
            payload = validation.button_payload(body.get("payload"), settings.gateway.max_message_bytes)
            # Per connection, and per client address across all its sockets.
            wait_s = limiter.check(connection_key) or await client_limiter.take(client_key)
            if wait_s:
                raise InputError("rate_limited", f"Too many messages; retry in {wait_s:.1f} s.", 429)
        except InputError as error:
            metrics.rejected.labels(error.code).inc()
            outbox.put({"type": "error", **error.to_json()["error"]})
            continue
        try:
            result = await request.app[SERVICE].customer_message(conversation, text, payload)
        except InputError as error:
            outbox.put({"type": "error", **error.to_json()["error"]})
            continue
        outbox.put({"type": "ack", "client_id": client_id, "message_id": result.message.id})
    limiter.forget(connection_key)
