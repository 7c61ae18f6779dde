"""The queues in the browser, for supervisors (the page /desk/queues): the skills a queue's contacts need,
its priority, service level, overflow and longest wait, and its tickets' service levels; change one or
add one. Saved in the store and used at once (handoff/queue_book.py).

GET /api/admin/queues         every queue, with its settings
PUT /api/admin/queues/{name}  {skills, priority, sla_s, overflow_after_s, overflow_to, max_wait_s,
                               first_response_s, resolution_s} -> the queue, changed or added
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from handoff.queue_book import queue_name_of, queue_of, queue_view
from handoff.store import Role
from handoff.web_desk import HANDOFF, require_role, role_page
from tandem.access import require_same_origin
from tandem.web_chat import read_json

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

routes.get("/desk/queues")(role_page("queues.html", Role.SUPERVISOR))


@routes.get("/api/admin/queues")
async def list_queues(request: web.Request) -> web.Response:
    await require_role(request, Role.SUPERVISOR)
    return web.json_response({"queues": request.app[HANDOFF].queue_book.views()})


@routes.put("/api/admin/queues/{name}")
async def save_queue(request: web.Request) -> web.Response:
    supervisor = await require_role(request, Role.SUPERVISOR)
    require_same_origin(request)
    name = queue_name_of(request.match_info["name"])
    handoff = request.app[HANDOFF]
    book = handoff.queue_book
    queue = queue_of(name, await read_json(request), book.queues)
    added = name not in book.queues
    await book.save(name, queue, supervisor.id, time.time())
    handoff.state.wake.set()  # the router plans with it on its next pass
    log.info("queue added" if added else "queue changed", extra={"queue": name, "by": supervisor.id})
    return web.json_response({"queue": queue_view(name, queue)}, status=201 if added else 200)
