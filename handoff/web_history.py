"""Past conversations on the desk: the History page, its search and the read-only transcript.

GET /desk/history                       the page (web/history.html)
GET /api/history?q=&customer=&from=&to=&queue=&disposition=&agent=   newest first, at most 50; with the
                                        queues and dispositions the filters may name
GET /api/history/{conversation_id}      its messages, private notes and contacts, read-only
Agents find the conversations they handled; supervisors find all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from handoff.history import HistoryQuery, search
from handoff.notes import notes_on
from handoff.store import Role
from handoff.web_desk import HANDOFF, require_role, role_page
from tandem.app_keys import SETTINGS, STORE
from tandem.validation import InputError

routes = web.RouteTableDef()
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR)
MAX_FIELD = 200


routes.get("/desk/history")(role_page("history.html", *DESK_ROLES))


def _day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"invalid_{name}", f"{name} is a date, e.g. 2026-12-05.") from None


def _text(raw: str | None, name: str) -> str:
    if raw is not None and len(raw) > MAX_FIELD:
        raise InputError(f"invalid_{name}", f"{name} is at most {MAX_FIELD} characters.")
    return raw or ""


def history_query(request: web.Request) -> HistoryQuery:
    q = request.query
    handoff = request.app[SETTINGS].handoff
    queue, disposition = q.get("queue") or None, q.get("disposition") or None
    if queue is not None and queue not in handoff.queues:
        raise InputError("unknown_queue", "No such queue.")
    if disposition is not None and disposition not in handoff.dispositions:
        raise InputError("invalid_disposition", f"disposition is one of {list(handoff.dispositions)}.")
    since, until = _day(q.get("from"), "from"), _day(q.get("to"), "to")
    return HistoryQuery(
        words=_text(q.get("q"), "q"),
        customer=_text(q.get("customer"), "customer"),
        since=datetime.combine(since, datetime.min.time(), UTC) if since else None,
        # "to" is a whole day: up to its end.
        until=datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC) if until else None,
        queue=queue,
        disposition=disposition,
        agent_id=_text(q.get("agent"), "agent") or None,
    )


@routes.get("/api/history")
async def find(request: web.Request) -> web.Response:
    agent = await require_role(request, *DESK_ROLES)
    query = history_query(request)
    handled_by = None if agent.role == Role.SUPERVISOR else agent.id
    found = await search(request.app[STORE].engine, query, handled_by)
    handoff = request.app[SETTINGS].handoff
    return web.json_response(
        {
            "conversations": [f.to_json() for f in found],
            "scope": "all" if handled_by is None else "handled_by_you",
            # What the filters may name, for the page's choices.
            "queues": sorted(handoff.queues),
            "dispositions": list(handoff.dispositions),
        }
    )


@routes.get("/api/history/{conversation_id}")
async def read(request: web.Request) -> web.Response:
    agent = await require_role(request, *DESK_ROLES)
    store = request.app[STORE]
    conversation = await store.get_conversation(request.match_info["conversation_id"][:64])
    worked = await request.app[HANDOFF].contacts.contacts_of(conversation.id) if conversation else []
    if conversation is None or (
        agent.role != Role.SUPERVISOR and all(c.agent_id != agent.id for c in worked)
    ):
        raise InputError("unknown_conversation", "No such conversation among those you may read.", 404)
    names = {a.id: a.display_name for a in await request.app[HANDOFF].contacts.all_agents()}
    transcript: list[dict[str, Any]] = [m.to_json() for m in await store.transcript(conversation.id)]
    transcript += [n.as_message() for n in await notes_on(store.engine, conversation.id)]
    return web.json_response(
        {
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "created_at": conversation.created_at.isoformat(),
            "status": conversation.status,
            "messages": sorted(transcript, key=lambda m: m["created_at"]),
            "contacts": [
                {"id": c.id, "queue": c.queue, "reason": c.reason, "status": c.status,
                 "agent": names.get(c.agent_id or ""), "disposition": c.disposition, "notes": c.notes}
                for c in worked
            ],
            # Supervisors review an agent's contact on /desk/quality.
            "can_review": agent.role == Role.SUPERVISOR,
        }
    )  # fmt: skip
