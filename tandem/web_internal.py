"""The service API: Tandem's own processes (the voice gateway) open and close conversations on other
channels and record what was said outside the bot's turns. Every call carries the service token, and
only the gateway's loopback-only internal site serves these routes (tandem/app.py, tandem/access.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tandem.access import require_service
from tandem.app_keys import SERVICE
from tandem.caller_id import caller_identity
from tandem.conversations import HumanSide
from tandem.store import Sender
from tandem.validation import InputError
from tandem.web_chat import conversation_from_path, read_json

routes = web.RouteTableDef()
SERVICE_CHANNELS = frozenset({"phone"})


def _text(body: dict[str, Any], key: str, limit: int) -> str:
    value = body.get(key)
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value.encode()) > limit
        or not value.isprintable()
    ):
        raise InputError(f"invalid_{key}", f"'{key}' must be printable text of at most {limit} bytes.")
    return value.strip()


@routes.post("/api/internal/conversations")
async def open_conversation(request: web.Request) -> web.Response:
    require_service(request)
    body = await read_json(request)
    channel = body.get("channel")
    if channel not in SERVICE_CHANNELS:
        raise InputError("invalid_channel", f"channel must be one of {sorted(SERVICE_CHANNELS)}.")
    caller = caller_identity(_text(body, "external_id", 128))
    conversation = await request.app[SERVICE].open(channel, caller)
    return web.json_response(
        {"conversation_id": conversation.id, "customer_id": conversation.customer_id}, status=201
    )


@routes.post("/api/internal/conversations/{conversation_id}/notes")
async def add_note(request: web.Request) -> web.Response:
    require_service(request)
    conversation = await conversation_from_path(request)
    body = await read_json(request)
    sender = body.get("sender")
    # The customer's own words on a callback (voice_gateway/callbacks.py): no bot answers those.
    if sender not in {Sender.BOT, Sender.SYSTEM, Sender.AGENT, Sender.CUSTOMER}:
        raise InputError(
            "invalid_sender", "sender must be 'bot', 'system', 'agent' or 'customer' (words on a call)."
        )
    await request.app[SERVICE].note(conversation, Sender(sender), _text(body, "text", 4096))
    return web.json_response({"ok": True}, status=201)


@routes.post("/api/internal/conversations/{conversation_id}/close")
async def close_conversation(request: web.Request) -> web.Response:
    require_service(request)
    conversation = await conversation_from_path(request)
    body = await read_json(request)
    outcome: dict[str, Any] = {"reason": _text(body, "reason", 200)}
    if body.get("recording") is not None:
        outcome["recording"] = _text(body, "recording", 1024)
    await request.app[SERVICE].close(conversation, outcome)
    return web.json_response({"ok": True})


async def _with_agent(request: web.Request) -> tuple[str, dict[str, Any], HumanSide]:
    """A voice gateway's report on a call's agent side: the conversation, the body, and the human side."""
    require_service(request)
    conversation = await conversation_from_path(request)
    body = await read_json(request)
    human = request.app[SERVICE].human
    if human is None:
        raise InputError("no_agent", "This conversation is not with an agent.", 409)
    return conversation.id, body, human


@routes.post("/api/internal/conversations/{conversation_id}/bridge-failed")
async def bridge_failed(request: web.Request) -> web.Response:
    """The voice gateway could not connect the caller to the agent's phone."""
    conversation_id, body, human = await _with_agent(request)
    await human.bridge_failed(conversation_id, _text(body, "detail", 500))
    return web.json_response({"ok": True})


@routes.post("/api/internal/conversations/{conversation_id}/tap")
async def tap_status(request: web.Request) -> web.Response:
    """How the supervisor's phone on the call is doing (voice_gateway/tap.py), for their monitor page."""
    conversation_id, body, human = await _with_agent(request)
    await human.tap_status(conversation_id, _text(body, "state", 20), str(body.get("detail") or "")[:300])
    return web.json_response({"ok": True})
