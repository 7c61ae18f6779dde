"""Reports over HTTP, for supervisors: the page /desk/reports, and one report as JSON or as CSV.

GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD      per queue and per agent (handoff/reports.py), JSON
GET /api/reports.csv?from=...&to=...                 the same rows as a CSV download
GET /api/supervisor/hotspots?days=7                  complaint hot spots of the last days (handoff/hotspots.py)
Days are whole UTC days, both ends included; today when not given.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web

from handoff import hotspots
from handoff.reports import as_csv, period_of, report
from handoff.store import Role
from handoff.web_desk import HANDOFF, require_role, role_page
from knowledge_index.embedder import load_minilm
from tandem.app_keys import SETTINGS, STORE
from tandem.validation import InputError

routes = web.RouteTableDef()

routes.get("/desk/reports")(role_page("reports.html", Role.SUPERVISOR))


async def _made(request: web.Request) -> dict[str, object]:
    await require_role(request, Role.SUPERVISOR)
    period = period_of(request.query.get("from"), request.query.get("to"), datetime.now(UTC).date())
    return await report(
        request.app[STORE].engine, request.app[HANDOFF].contacts, request.app[SETTINGS].handoff.queues, period
    )


@routes.get("/api/reports")
async def report_json(request: web.Request) -> web.Response:
    return web.json_response(await _made(request))


@routes.get("/api/reports.csv")
async def report_csv(request: web.Request) -> web.Response:
    made = await _made(request)
    name = f"tandem-report-{made['from']}-to-{made['to']}.csv"
    return web.Response(
        text=as_csv(made),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@routes.get("/api/supervisor/hotspots")
async def hot_spots(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    days = request.query.get("days", "7")
    if not days.isdigit() or not 1 <= int(days) <= 90:
        raise InputError("invalid_days", "days is a whole number from 1 to 90.")
    settings = request.app[SETTINGS]
    # The MiniLM model the knowledge index already holds (one per process, same thread setting).
    embedder = await asyncio.to_thread(load_minilm, settings.threads.torch)
    spots = await hotspots.report(request.app[STORE].engine, embedder, int(days), datetime.now(UTC))
    return web.json_response({"days": int(days), "hotspots": [spot.to_json() for spot in spots]})
