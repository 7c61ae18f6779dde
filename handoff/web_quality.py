"""Quality review over HTTP, for supervisors: the page /desk/quality?contact=ID, the contact's transcript
with each line's time into the call, its recording, the scoring form's criteria, and the reviews.

GET  /api/quality/contacts/{contact_id}             facts, transcript (with offset_s), recording URL or
                                                    null, criteria, reviews
GET  /api/quality/contacts/{contact_id}/recording   the call's recording (WAV)
POST /api/quality/contacts/{contact_id}/reviews     {scores: {criterion: points}, comment}
GET  /api/supervisor/quality?days=30                each agent's reviews and average score
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from handoff.notes import notes_on
from handoff.quality import add_review, averages, comment_of, reviews_of, scored
from handoff.store import Contact, Role
from handoff.web_desk import HANDOFF, require_role, role_page
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS, STORE
from tandem.validation import InputError
from tandem.web_chat import read_json

routes = web.RouteTableDef()

routes.get("/desk/quality")(role_page("quality.html", Role.SUPERVISOR))


async def _reviewed(request: web.Request) -> Contact:
    await require_role(request, Role.SUPERVISOR)
    contact = await request.app[HANDOFF].contacts.contact(request.match_info["contact_id"][:64])
    if contact is None or contact.agent_id is None:
        raise InputError("unknown_contact", "No such contact handled by an agent.", 404)
    return contact


async def _recording(request: web.Request, conversation_id: str) -> Path | None:
    """The call's recording, if it is still kept: only ever a file in the recordings folder."""
    settings = request.app[SETTINGS]
    # As voice_gateway/recordings.py recordings_folder: relative to data_dir unless absolute.
    folder = settings.resolve(settings.data_dir) / settings.voice.recordings_dir
    stored = (await request.app[STORE].outcome(conversation_id) or {}).get("recording")
    return await asyncio.to_thread(_kept, folder, stored) if isinstance(stored, str) else None


def _kept(folder: Path, stored: str) -> Path | None:
    path = Path(stored).resolve()
    return path if path.is_relative_to(folder.resolve()) and path.is_file() else None


@routes.get("/api/quality/contacts/{contact_id}")
async def review_page_data(request: web.Request) -> web.Response:
    contact = await _reviewed(request)
    store = request.app[STORE]
    conversation = await store.get_conversation(contact.conversation_id)
    assert conversation is not None
    started = conversation.created_at.timestamp()
    lines: list[dict[str, Any]] = [m.to_json() for m in await store.transcript(conversation.id)]
    lines += [n.as_message() for n in await notes_on(store.engine, conversation.id)]
    for line in lines:  # when each line was said (transcribed, on a call), from the start of the conversation
        line["offset_s"] = round(max(0.0, _epoch(line["created_at"]) - started), 1)
    names = {a.id: a.display_name for a in await request.app[HANDOFF].contacts.all_agents()}
    recorded = await _recording(request, conversation.id)
    return web.json_response(
        {
            "contact": {
                "id": contact.id, "conversation_id": conversation.id, "channel": contact.channel,
                "queue": contact.queue, "agent": names.get(contact.agent_id or ""), "status": contact.status,
                "disposition": contact.disposition, "started_at": conversation.created_at.isoformat(),
            },
            "transcript": sorted(lines, key=lambda line: line["offset_s"]),
            "recording": f"/api/quality/contacts/{contact.id}/recording" if recorded else None,
            "criteria": [c.model_dump() for c in request.app[SETTINGS].handoff.quality_criteria],
            "reviews": [r.to_json() for r in await reviews_of(store.engine, contact.id)],
        }
    )  # fmt: skip


@routes.get("/api/quality/contacts/{contact_id}/recording")
async def recording(request: web.Request) -> web.StreamResponse:
    contact = await _reviewed(request)
    path = await _recording(request, contact.conversation_id)
    if path is None:
        raise InputError(
            "no_recording", "This contact has no recording (or it was deleted after retention).", 404
        )
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "private, no-store"})


@routes.post("/api/quality/contacts/{contact_id}/reviews")
async def review(request: web.Request) -> web.Response:
    contact = await _reviewed(request)
    require_same_origin(request)
    reviewer = await require_role(request, Role.SUPERVISOR)
    body = await read_json(request)
    scores, pct = scored(body.get("scores"), request.app[SETTINGS].handoff.quality_criteria)
    comment = comment_of(body.get("comment"))
    assert contact.agent_id is not None
    await add_review(request.app[STORE].engine, contact.id, contact.agent_id, reviewer.id, scores, pct, comment,
                     time.time())  # fmt: skip
    return web.json_response({"score_pct": pct}, status=201)


@routes.get("/api/supervisor/quality")
async def quality_averages(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    raw = request.query.get("days", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        raise InputError("invalid_days", "days is a whole number from 1 to 366.")
    since = time.time() - int(raw) * 86400
    return web.json_response({"days": int(raw), "agents": await averages(request.app[STORE].engine, since)})


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()
