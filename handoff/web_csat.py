"""The supervisor's satisfaction figures: ratings per queue and per agent over a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from handoff.csat import csat_summary
from handoff.store import Role
from handoff.web_desk import require_role
from tandem.app_keys import METRICS, STORE
from tandem.validation import InputError

routes = web.RouteTableDef()


@routes.get("/api/supervisor/csat")
async def csat(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    raw = request.query.get("days", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise InputError("invalid_days", "days is a whole number from 1 to 366.")
    since = datetime.now(UTC) - timedelta(days=int(raw))
    summary = await csat_summary(request.app[STORE].engine, since, request.app[METRICS])
    return web.json_response({"days": int(raw), **summary})
