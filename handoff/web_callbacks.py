"""The voice workers' side of callbacks, on the gateway's loopback-only internal site, with the
service token: claim the next due attempt, report how it went."""

from __future__ import annotations

from aiohttp import web

from handoff.callbacks import Outcome
from handoff.web_desk import HANDOFF
from tandem.access import require_service
from tandem.validation import InputError, conversation_id
from tandem.web_chat import read_json

routes = web.RouteTableDef()


@routes.post("/api/internal/callbacks/claim")
async def claim(request: web.Request) -> web.Response:
    require_service(request)
    dial = await request.app[HANDOFF].callbacks.claim()
    return web.json_response({"dial": dial.to_json() if dial else None})


@routes.post("/api/internal/callbacks/{attempt_id}/result")
async def result(request: web.Request) -> web.Response:
    require_service(request)
    raw = request.match_info["attempt_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise InputError("unknown_attempt", "No such callback attempt in progress.", 404)
    body = await read_json(request)
    try:
        outcome = Outcome(str(body.get("outcome")))
    except ValueError:
        raise InputError("invalid_outcome", f"outcome is one of {[str(o) for o in Outcome]}.") from None
    conversation = body.get("conversation_id")
    await request.app[HANDOFF].callbacks.report(
        int(raw), outcome, conversation_id(conversation) if conversation is not None else None
    )
    return web.json_response({"ok": True})
