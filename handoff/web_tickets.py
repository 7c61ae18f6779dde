"""The tickets' HTTP surface: the desk's Tickets page and its API, for agents and supervisors.

GET  /desk/tickets                      the page (web/tickets.html)
GET  /api/tickets?status=&queue=&assignee=me|none|<agent id>   most urgent first
POST /api/tickets {contact_id}          "Create ticket" from a contact the agent works (or had)
GET  /api/tickets/summary               per queue: backlog, breaches, response and resolution times
GET  /api/tickets/{id}                  the ticket, its SLA clocks, history and conversation
POST /api/tickets/{id}/reply {text}     to the customer, in their conversation
POST /api/tickets/{id}/note {text}      agents only
POST /api/tickets/{id}/status {status}
POST /api/tickets/{id}/assign {agent_id: "me" | <id> | null}
POST /api/tickets/{id}/call             a callback ticket: the agent's phone rings, then the customer's
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handoff.calling_hours import describe
from handoff.store import Agent, Role
from handoff.ticket_store import Ticket, TicketFilter
from handoff.tickets import TicketStatus, reference
from handoff.web_desk import HANDOFF, require_role, role_page
from tandem import validation
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS
from tandem.validation import InputError
from tandem.web_chat import read_json

routes = web.RouteTableDef()
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR)


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


async def ticket_json(request: web.Request, ticket: Ticket) -> dict[str, Any]:
    handoff = request.app[HANDOFF]
    clocks = handoff.tickets.clocks(ticket)
    assignee = await handoff.contacts.agent(ticket.assignee_id) if ticket.assignee_id else None
    hours = handoff.callbacks.hours
    return {
        "id": ticket.id,
        "reference": reference(ticket.id),
        "conversation_id": ticket.conversation_id,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "queue": ticket.queue,
        "priority": ticket.priority,
        "status": ticket.status,
        "subject": ticket.subject,
        "callback_number": ticket.callback_number,
        "calling_hours": describe(hours) if hours and ticket.callback_number else None,
        "assignee": {"id": assignee.id, "display_name": assignee.display_name} if assignee else None,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "first_response_due": _iso(ticket.first_response_due),
        "resolution_due": _iso(ticket.resolution_due),
        "first_response_at": _iso(ticket.first_response_at),
        "resolved_at": _iso(ticket.resolved_at),
        "sla": {
            "first_response_left_s": clocks.first_response_left_s,
            "resolution_left_s": clocks.resolution_left_s,
            "breached": clocks.breached,
        },
    }


def _ticket_id(request: web.Request) -> int:
    raw = request.match_info["ticket_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise InputError("unknown_ticket", "No such ticket.", 404)
    return int(raw)


def _text(body: dict[str, Any], request: web.Request) -> str:
    return validation.message_text(body.get("text"), request.app[SETTINGS].gateway.max_message_bytes)


def _schedule_at(body: dict[str, Any]) -> float | None:
    """`at`: when to call, ISO 8601 with a time zone (absent or null: now)."""
    raw = body.get("at")
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InputError(
            "invalid_time", "at must be a date and time with a time zone, e.g. 2026-12-07T14:30:00Z."
        )
    return at.timestamp()


async def _write(request: web.Request) -> tuple[Agent, dict[str, Any]]:
    """A change from a desk page: signed in, same origin, a JSON body."""
    agent = await require_role(request, *DESK_ROLES)
    require_same_origin(request)
    return agent, await read_json(request)


@routes.get("/api/tickets")
async def list_tickets(request: web.Request) -> web.Response:
    agent = await require_role(request, *DESK_ROLES)
    try:
        statuses = tuple(TicketStatus(s) for s in request.query.get("status", "").split(",") if s)
    except ValueError:
        raise InputError("invalid_status", f"status is a list of {[str(s) for s in TicketStatus]}.") from None
    queue = request.query.get("queue") or None
    if queue is not None and queue not in request.app[SETTINGS].handoff.queues:
        raise InputError("unknown_queue", "No such queue.")
    assignee = request.query.get("assignee") or None
    where = TicketFilter(
        statuses=statuses,
        queue=queue,
        assignee_id=agent.id if assignee == "me" else (None if assignee in (None, "none") else assignee),
        unassigned=assignee == "none",
    )
    found = await request.app[HANDOFF].tickets.search(where)
    return web.json_response({"tickets": [await ticket_json(request, t) for t in found]})


@routes.post("/api/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    agent, body = await _write(request)
    contact_id = body.get("contact_id")
    if not isinstance(contact_id, str) or not 1 <= len(contact_id) <= 64:
        raise InputError("invalid_contact_id", "Give the contact_id of a contact you work on.")
    handoff = request.app[HANDOFF]
    contact = await handoff.contacts.contact(contact_id)
    if contact is None or (contact.agent_id != agent.id and agent.role != Role.SUPERVISOR):
        raise InputError("unknown_contact", "No such contact of yours.", 404)
    ticket = await handoff.tickets.from_agent(contact, agent)
    return web.json_response({"ticket": await ticket_json(request, ticket)}, status=201)


@routes.get("/api/tickets/summary")
async def summary(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    return web.json_response({"queues": await request.app[HANDOFF].tickets.summary()})


@routes.get("/api/tickets/{ticket_id}")
async def get_ticket(request: web.Request) -> web.Response:
    await require_role(request, *DESK_ROLES)
    handoff = request.app[HANDOFF]
    ticket = await handoff.tickets.get(_ticket_id(request))
    names = {a.id: a.display_name for a in await handoff.contacts.all_agents()}
    history = [
        {"at": _iso(e.at), "kind": e.kind, "by": names.get(e.agent_id or ""), "text": e.text}
        for e in await handoff.tickets.history(ticket.id)
    ]
    messages = [m.to_json() for m in await handoff.tickets.transcript(ticket.conversation_id)]
    return web.json_response(
        {"ticket": await ticket_json(request, ticket), "history": history, "messages": messages,
         "context": ticket.context}
    )  # fmt: skip


@routes.post("/api/tickets/{ticket_id}/reply")
async def reply(request: web.Request) -> web.Response:
    agent, body = await _write(request)
    ticket = await request.app[HANDOFF].tickets.reply(_ticket_id(request), agent, _text(body, request))
    return web.json_response({"ticket": await ticket_json(request, ticket)})


@routes.post("/api/tickets/{ticket_id}/note")
async def note(request: web.Request) -> web.Response:
    agent, body = await _write(request)
    ticket = await request.app[HANDOFF].tickets.note(_ticket_id(request), agent, _text(body, request))
    return web.json_response({"ticket": await ticket_json(request, ticket)})


@routes.post("/api/tickets/{ticket_id}/status")
async def set_status(request: web.Request) -> web.Response:
    agent, body = await _write(request)
    try:
        status = TicketStatus(str(body.get("status")))
    except ValueError:
        raise InputError("invalid_status", f"status is one of {[str(s) for s in TicketStatus]}.") from None
    ticket = await request.app[HANDOFF].tickets.set_status(_ticket_id(request), agent, status)
    return web.json_response({"ticket": await ticket_json(request, ticket)})


@routes.post("/api/tickets/{ticket_id}/assign")
async def assign(request: web.Request) -> web.Response:
    agent, body = await _write(request)
    handoff = request.app[HANDOFF]
    wanted = body.get("agent_id")
    if wanted == "me":
        assignee: Agent | None = agent
    elif wanted is None:
        assignee = None
    elif isinstance(wanted, str) and len(wanted) <= 64 and (found := await handoff.contacts.agent(wanted)):
        assignee = found
    else:
        raise InputError("unknown_agent", "agent_id is 'me', an agent's id, or null.")
    ticket = await handoff.tickets.assign(_ticket_id(request), agent, assignee)
    return web.json_response({"ticket": await ticket_json(request, ticket)})


@routes.post("/api/tickets/{ticket_id}/call")
async def call_back(request: web.Request) -> web.Response:
    agent = await require_role(request, *DESK_ROLES)
    require_same_origin(request)
    body = await read_json(request) if request.can_read_body else {}
    ticket = await request.app[HANDOFF].callbacks.call_now(_ticket_id(request), agent, _schedule_at(body))
    return web.json_response({"ticket": await ticket_json(request, ticket)})


routes.get("/desk/tickets")(role_page("tickets.html", *DESK_ROLES))
