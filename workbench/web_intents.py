"""A new intent started from the NLU inbox, over HTTP: a group of messages none of the intents fits.

POST /api/designer/intents   {message_ids, name}: the intent is declared in the domain's new_intents.yml
                             and the messages become its first examples in the NLU's new_intents.yml

The bot does not answer it yet: that takes a response and a rule or story, then training.
Designers and supervisors only.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from handoff.web_desk import require_role
from tandem.access import require_same_origin
from tandem.app_keys import SETTINGS, STORE
from tandem.web_chat import read_json
from workbench import inbox_store
from workbench.training_files import NEW_INTENTS, checked_intent_name, start_intent
from workbench.web import DESIGNERS, checked_message_ids, offered_texts

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.post("/api/designer/intents")
async def new_intent(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    body = await read_json(request)
    ids = checked_message_ids(body.get("message_ids"))
    name = checked_intent_name(body.get("name"))
    engine = request.app[STORE].engine
    chosen, texts = await offered_texts(engine, ids)
    settings = request.app[SETTINGS]
    nlu_dir = settings.resolve(settings.workbench.training_data)
    domain_dir = settings.resolve(settings.workbench.domain)
    added = await asyncio.to_thread(start_intent, nlu_dir, domain_dir, name, texts)
    await inbox_store.label(engine, [m.message_id for m in chosen], name, designer.id, time.time())
    log.info("intent started", extra={"intent": name, "added": len(added.added), "by": designer.id})
    return web.json_response(
        {"intent": name, "file": added.file.name, "domain_file": NEW_INTENTS, "added": list(added.added)}
    )


def register(app: web.Application) -> None:
    app.add_routes(routes)
