"""Desk accounts in the browser, for supervisors (the page /desk/admin): add an agent or supervisor, change
their skills, capacities and phone, reset a password, disable or enable an account.

GET  /api/admin/agents                      every account, and the skills and roles to choose from
POST /api/admin/agents                      {username, display_name, role, skills, chat_capacity,
                                             voice_capacity, sip_uri} -> the account and its password
PUT  /api/admin/agents/{agent_id}           the profile as above, without username
POST /api/admin/agents/{agent_id}/password  -> a new password; the account's sessions end
POST /api/admin/agents/{agent_id}/disable   no sign-in, no work; sessions end, open offers go elsewhere
POST /api/admin/agents/{agent_id}/enable

A password is generated, shown once to the supervisor and stored only as its hash: nobody chooses a
weak one, and it never sits in a log or a page after that.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

import sqlalchemy as sa
from aiohttp import web

from handoff import routing
from handoff.admin import profile_of, username_of
from handoff.passwords import hash_password
from handoff.store import Agent, Role
from handoff.web_desk import HANDOFF, OPEN_SOCKETS, require_role, role_page
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS
from tandem.validation import InputError
from tandem.web_chat import read_json

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

routes.get("/desk/admin")(role_page("admin.html", Role.SUPERVISOR))


def _skills(request: web.Request) -> list[str]:
    return sorted(
        {skill for queue in request.app[SETTINGS].handoff.queues.values() for skill in queue.skills}
    )


async def _supervisor(request: web.Request, writes: bool = True) -> Agent:
    supervisor = await require_role(request, Role.SUPERVISOR)
    if writes:
        require_same_origin(request)
    return supervisor


async def _target(request: web.Request) -> Agent:
    agent = await request.app[HANDOFF].contacts.agent(request.match_info["agent_id"][:64])
    if agent is None:
        raise InputError("unknown_agent", "No such account.", 404)
    return agent


def _new_password() -> tuple[str, str]:
    password = secrets.token_urlsafe(12)
    return password, hash_password(password)


@routes.get("/api/admin/agents")
async def list_agents(request: web.Request) -> web.Response:
    await _supervisor(request, writes=False)
    agents = await request.app[HANDOFF].contacts.all_agents()
    return web.json_response(
        {"agents": [a.to_json() for a in agents], "skills": _skills(request), "roles": [str(r) for r in Role]}
    )


@routes.post("/api/admin/agents")
async def add_agent(request: web.Request) -> web.Response:
    supervisor = await _supervisor(request)
    body = await read_json(request)
    username = username_of(body.get("username"))
    profile = profile_of(body, _skills(request))
    store = request.app[HANDOFF].contacts
    if await store.credentials(username) is not None:
        raise InputError("username_taken", f"There is already an account {username}.", 409)
    password, password_hash = await asyncio.to_thread(_new_password)
    try:
        agent = await store.create_agent(
            username=username, password_hash=password_hash, now=time.time(), **profile.values()
        )
    except sa.exc.IntegrityError:  # two supervisors adding the same name at once
        raise InputError("username_taken", f"There is already an account {username}.", 409) from None
    log.info("account added", extra={"agent_id": agent.id, "by": supervisor.id})
    return web.json_response({"agent": agent.to_json(), "password": password}, status=201)


@routes.put("/api/admin/agents/{agent_id}")
async def change_agent(request: web.Request) -> web.Response:
    supervisor = await _supervisor(request)
    agent = await _target(request)
    profile = profile_of(await read_json(request), _skills(request))
    if agent.id == supervisor.id and profile.role != Role.SUPERVISOR:
        raise InputError("own_role", "You cannot take the supervisor role from your own account.", 409)
    handoff = request.app[HANDOFF]
    changed = await handoff.contacts.update_agent(agent.id, **profile.values())
    await handoff.refresh_agent(agent.id)  # the desk shows it, and the router uses it on its next pass
    log.info("account changed", extra={"agent_id": agent.id, "by": supervisor.id})
    return web.json_response({"agent": changed.to_json()})


@routes.post("/api/admin/agents/{agent_id}/password")
async def reset_password(request: web.Request) -> web.Response:
    supervisor = await _supervisor(request)
    agent = await _target(request)
    password, password_hash = await asyncio.to_thread(_new_password)
    await request.app[HANDOFF].contacts.update_agent(agent.id, password_hash=password_hash)
    await request.app[OPEN_SOCKETS].end(agent.id)
    log.info("password reset", extra={"agent_id": agent.id, "by": supervisor.id})
    return web.json_response({"agent": agent.to_json(), "password": password})


@routes.post("/api/admin/agents/{agent_id}/disable")
async def disable(request: web.Request) -> web.Response:
    supervisor = await _supervisor(request)
    agent = await _target(request)
    if agent.id == supervisor.id:
        raise InputError("own_account", "You cannot disable your own account.", 409)
    handoff = request.app[HANDOFF]
    await handoff.set_state(agent.id, routing.OFFLINE)  # withdraws their offers
    changed = await handoff.contacts.update_agent(agent.id, disabled_at=time.time())
    await request.app[OPEN_SOCKETS].end(agent.id)  # their contacts go back to the queue after the grace
    log.info("account disabled", extra={"agent_id": agent.id, "by": supervisor.id})
    return web.json_response({"agent": changed.to_json()})


@routes.post("/api/admin/agents/{agent_id}/enable")
async def enable(request: web.Request) -> web.Response:
    supervisor = await _supervisor(request)
    agent = await _target(request)
    changed = await request.app[HANDOFF].contacts.update_agent(agent.id, disabled_at=None)
    log.info("account enabled", extra={"agent_id": agent.id, "by": supervisor.id})
    return web.json_response({"agent": changed.to_json()})
