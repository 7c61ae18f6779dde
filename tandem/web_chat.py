"""Chat over HTTP: start a conversation, send a message and get the replies, read the transcript."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tandem import validation
from tandem.access import client_of, is_service, require_access
from tandem.app_keys import CLIENT_LIMITER, METRICS, RATE_LIMITER, SERVICE, SETTINGS, START_LIMITER, STORE
from tandem.customer_view import customer_message, customer_outcome
from tandem.rate_limit import AddressLimiter
from tandem.ratings import add_rating, checked_rating
from tandem.store import Conversation
from tandem.validation import InputError

routes = web.RouteTableDef()


async def read_json(request: web.Request) -> dict[str, Any]:
    return validation.parse_json_object(validation.decode_utf8(await request.read()))


async def conversation_from_path(request: web.Request) -> Conversation:
    conversation_id = validation.conversation_id(request.match_info["conversation_id"])
    conversation = await request.app[SERVICE].get(conversation_id)
    if conversation is None:
        raise InputError("unknown_conversation", "No such conversation.", 404)
    return conversation


async def accessible_conversation(request: web.Request) -> Conversation:
    """A conversation the caller may use: web ones by id, other channels with the service token."""
    conversation = await conversation_from_path(request)
    require_access(request, conversation)
    return conversation


async def check_rate(limiter: AddressLimiter, key: str) -> None:
    wait_s = await limiter.take(key)
    if wait_s:
        raise InputError("rate_limited", f"Too many messages; retry in {wait_s:.1f} s.", 429)


@routes.post("/api/conversations")
async def start_conversation(request: web.Request) -> web.Response:
    await check_rate(request.app[START_LIMITER], f"start:{client_of(request)}")
    body = await read_json(request)
    visitor = validation.visitor_id(body.get("visitor_id"))
    conversation = await request.app[SERVICE].open("web", visitor)
    return web.json_response(
        {"conversation_id": conversation.id, "customer_id": conversation.customer_id}, status=201
    )


@routes.get("/api/conversations/{conversation_id}")
async def get_conversation(request: web.Request) -> web.Response:
    conversation = await accessible_conversation(request)
    messages = [m.to_json() for m in await request.app[SERVICE].transcript(conversation.id)]
    outcome = await request.app[SERVICE].outcome(conversation.id)
    if not is_service(request):  # the customer: only what is meant for them
        messages = [customer_message(m) for m in messages]
        outcome = customer_outcome(outcome)
    return web.json_response(
        {
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "status": conversation.status,
            "created_at": conversation.created_at.isoformat(),
            "outcome": outcome,
            "messages": messages,
        }
    )


@routes.post("/api/conversations/{conversation_id}/messages")
async def post_message(request: web.Request) -> web.Response:
    conversation = await accessible_conversation(request)
    await check_rate(request.app[RATE_LIMITER], f"conversation:{conversation.id}")
    if not is_service(request):  # the voice gateway speaks for many callers from one address
        await check_rate(request.app[CLIENT_LIMITER], f"client:{client_of(request)}")
    body = await read_json(request)
    max_bytes = request.app[SETTINGS].gateway.max_message_bytes
    text = validation.message_text(body.get("text"), max_bytes)
    payload = validation.button_payload(body.get("payload"), max_bytes)
    result = await request.app[SERVICE].customer_message(conversation, text, payload)
    return web.json_response(
        {
            "message_id": result.message.id,
            "bot_available": result.bot_available,
            "replies": [r.to_json() for r in result.replies],
            "farewell": result.farewell,
        }
    )


@routes.post("/api/conversations/{conversation_id}/rating")
async def rate_conversation(request: web.Request) -> web.Response:
    """The customer's satisfaction rating of a conversation that has ended: once, 1 to 5."""
    conversation = await accessible_conversation(request)
    await check_rate(request.app[CLIENT_LIMITER], f"client:{client_of(request)}")
    body = await read_json(request)
    score, comment = checked_rating(body.get("score"), body.get("comment"))
    await add_rating(request.app[STORE].engine, conversation.id, score, comment)
    request.app[METRICS].ratings.labels(conversation.channel, str(score)).inc()
    return web.json_response({"ok": True}, status=201)


@routes.post("/api/conversations/{conversation_id}/close")
async def leave_conversation(request: web.Request) -> web.Response:
    """The customer ends the chat; while queued for a person that is an abandoned contact."""
    conversation = await accessible_conversation(request)
    await request.app[SERVICE].close(conversation, {"reason": "customer_left"})
    return web.json_response({"ok": True})
