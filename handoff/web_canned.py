"""Canned responses over HTTP: filled for one contact (the desk's "/" list), and each team's list for
supervisors to edit (the page /desk/canned).

GET /api/canned?contact_id=          the contact's queue's team's and everyone's, placeholders filled
GET /api/canned/teams                the teams, for the editor
GET /api/canned/teams/{team}         one team's list as written
PUT /api/canned/teams/{team}         {responses: [{shortcut, title, text}]}, supervisors only
"""

from __future__ import annotations

from aiohttp import web

from handoff.canned import CannedLibrary, fill, parse_team, placeholder_values
from handoff.store import Role
from handoff.web_desk import HANDOFF, require_role, role_page
from tandem.access import require_same_origin
from tandem.validation import InputError
from tandem.web_chat import read_json

routes = web.RouteTableDef()
CANNED: web.AppKey[CannedLibrary] = web.AppKey("canned", CannedLibrary)
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR)


routes.get("/desk/canned")(role_page("canned.html", Role.SUPERVISOR))


@routes.get("/api/canned")
async def for_contact(request: web.Request) -> web.Response:
    agent = await require_role(request, *DESK_ROLES)
    contact_id = request.query.get("contact_id", "")
    contact = await request.app[HANDOFF].contacts.contact(contact_id) if 1 <= len(contact_id) <= 64 else None
    if contact is None or (contact.agent_id != agent.id and agent.role != Role.SUPERVISOR):
        raise InputError("unknown_contact", "No such contact of yours.", 404)
    values = placeholder_values(contact.context, agent.display_name, contact.queue)
    responses = [
        {"team": team, **response.to_json(), "text": fill(response.text, values)}
        for team, response in request.app[CANNED].for_queue(contact.queue)
    ]
    return web.json_response({"responses": responses})


@routes.get("/api/canned/teams")
async def teams(request: web.Request) -> web.Response:
    await require_role(request, *DESK_ROLES)
    return web.json_response({"teams": list(request.app[CANNED].teams)})


@routes.get("/api/canned/teams/{team}")
async def team_list(request: web.Request) -> web.Response:
    await require_role(request, *DESK_ROLES)
    responses = request.app[CANNED].team(request.match_info["team"])
    return web.json_response({"responses": [r.to_json() for r in responses]})


@routes.put("/api/canned/teams/{team}")
async def save_team(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    require_same_origin(request)
    body = await read_json(request)
    responses = parse_team(body.get("responses"))
    request.app[CANNED].save(request.match_info["team"], responses)
    return web.json_response({"responses": [r.to_json() for r in responses]})
