"""The conversation designer's workbench over HTTP: the page /designer and its NLU inbox, and the desk's
"the bot misunderstood this" flag.

GET  /api/designer/inbox                 groups of customer messages that need a look, and the intents
POST /api/designer/labels                {message_ids, intent}: written into training_data/nlu as examples
POST /api/desk/messages/{id}/flag        an agent says the bot misunderstood this customer message

Designers and supervisors use the workbench; agents only flag.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.store import Role
from handoff.web_desk import HANDOFF, require_role, role_page
from knowledge_index.embedder import load_minilm, minilm_name
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS, STORE
from tandem.validation import InputError
from tandem.web_chat import read_json
from workbench import inbox_store
from workbench.inbox import Candidate, Group, example_text, group, offerable, reasons
from workbench.message_vectors import vectors_of
from workbench.training_files import add_examples, intents

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
DESIGNERS = (Role.DESIGNER, Role.SUPERVISOR)
MAX_LABELLED = 200

routes.get("/designer")(role_page("designer.html", *DESIGNERS))


def _message(message: Candidate, threshold: float) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "conversation_id": message.conversation_id,
        "text": message.text,
        "intent": message.intent,
        "confidence": message.confidence,
        "reasons": list(reasons(message, threshold)),
    }


def _group(found: Group, threshold: float) -> dict[str, Any]:
    return {
        "messages": [_message(m, threshold) for m in found.messages],
        "reasons": list(found.reasons),
        "suggestions": list(found.suggestions),
    }


@routes.get("/api/designer/inbox")
async def inbox(request: web.Request) -> web.Response:
    await require_role(request, *DESIGNERS)
    settings = request.app[SETTINGS]
    workbench = settings.workbench
    since = datetime.now(UTC) - timedelta(days=workbench.inbox_days)
    found = await inbox_store.candidates(request.app[STORE].engine, since, workbench.low_confidence)
    offered = [m for m in found if offerable(m)]
    groups: list[Group] = []
    if offered:
        vectors = await vectors_of(
            request.app[STORE].engine, offered, minilm_name(), partial(load_minilm, settings.threads.torch)
        )
        groups = await asyncio.to_thread(group, offered, vectors, workbench.low_confidence)
    nlu_dir = settings.resolve(workbench.training_data)
    return web.json_response(
        {
            "groups": [_group(g, workbench.low_confidence) for g in groups],
            "intents": await asyncio.to_thread(intents, nlu_dir),
            "left_out": len(found) - len(offered),  # may hold a secret: never offered
        }
    )


def checked_message_ids(ids: object, most: int = MAX_LABELLED) -> list[int]:
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= most
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        raise InputError("invalid_message_ids", f"message_ids is a list of 1-{most} message ids.")
    return ids


async def offered_texts(engine: AsyncEngine, ids: list[int]) -> tuple[list[Candidate], list[str]]:
    """The messages, all of which the inbox must offer, and their texts as examples (each once)."""
    chosen = [m for m in await inbox_store.customer_messages(engine, ids) if offerable(m)]
    if len(chosen) != len(set(ids)):
        raise InputError("not_offerable", "Some of those are not customer messages the inbox offers.", 404)
    return chosen, list(dict.fromkeys(example_text(m.text) for m in chosen))


@routes.post("/api/designer/labels")
async def label(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    body = await read_json(request)
    ids, intent = checked_message_ids(body.get("message_ids")), body.get("intent")
    if not isinstance(intent, str) or not 1 <= len(intent) <= 100:
        raise InputError("invalid_intent", "intent is the name of an intent in the training data.")
    engine = request.app[STORE].engine
    chosen, texts = await offered_texts(engine, ids)
    workbench = request.app[SETTINGS].workbench
    nlu_dir = request.app[SETTINGS].resolve(workbench.training_data)
    added = await asyncio.to_thread(add_examples, nlu_dir, intent, texts)
    await inbox_store.label(engine, [m.message_id for m in chosen], intent, designer.id, time.time())
    log.info("examples labelled", extra={"intent": intent, "added": len(added.added), "by": designer.id})
    return web.json_response(
        {
            "file": added.file.name,
            "intent": intent,
            "added": list(added.added),
            "already": list(added.already),
        }
    )


@routes.post("/api/desk/messages/{message_id}/flag")
async def flag(request: web.Request) -> web.Response:
    agent = await require_role(request, Role.AGENT, Role.SUPERVISOR)
    require_same_origin(request)
    raw = request.match_info["message_id"]
    if not raw.isdigit():
        raise InputError("invalid_message_id", "No such message.", 404)
    engine = request.app[STORE].engine
    found = await inbox_store.customer_messages(engine, [int(raw)])
    if not found:
        raise InputError("unknown_message", "No such customer message.", 404)
    message = found[0]
    contact = await request.app[HANDOFF].contacts.open_contact_for(message.conversation_id)
    if agent.role != Role.SUPERVISOR and (contact is None or contact.agent_id != agent.id):
        raise InputError("not_yours", "Flag messages of the conversations you are working on.", 403)
    await inbox_store.flag(engine, message.message_id, agent.id, time.time())
    log.info("message flagged for the designers", extra={"conversation_id": message.conversation_id})
    return web.json_response({"flagged": True})


def register(app: web.Application) -> None:
    app.add_routes(routes)
