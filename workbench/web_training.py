"""Train and compare, activate and roll back, from the page /designer.

GET  /api/designer/training          the last run (state, Rasa's output, comparison) and the models
POST /api/designer/training          start a run (409 while one runs)
GET  /api/designer/training/events   the run as it goes, as server-sent events
POST /api/designer/models/active     {model}: every Rasa worker loads it (PUT /model); then it is active

Server-sent events rather than the desk's WebSocket: the stream goes one way, EventSource reconnects
by itself and sends the session cookie like any GET, and a run is watched by one or two designers.
Runs are the gateway's own: in a cluster, HAProxy sends every /api/designer/ request to one gateway
(tandem/haproxy.py), so all designers see its run, and one run goes on at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from handoff.web_desk import require_role
from tandem.access import require_same_origin
from tandem.active_model import activate, active
from tandem.app_keys import BOT, SETTINGS
from tandem.config import config_path
from tandem.validation import InputError
from tandem.web_chat import read_json
from workbench.models_registry import find, listing
from workbench.trainer import Busy, Trainer
from workbench.web import DESIGNERS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
TRAINER = web.AppKey("trainer", Trainer)
# One activation at a time: two at once could leave the workers on different models.
ACTIVATING = web.AppKey("activating", asyncio.Lock)


def _data_dir(request: web.Request) -> Path:
    settings = request.app[SETTINGS]
    return settings.resolve(settings.data_dir)


def _models(request: web.Request) -> list[dict[str, Any]]:
    return [m.to_json() for m in listing(_data_dir(request))]


@routes.get("/api/designer/training")
async def training(request: web.Request) -> web.Response:
    await require_role(request, *DESIGNERS)
    run = request.app[TRAINER].current
    return web.json_response(
        {
            "run": run.summary() if run else None,
            "output": list(run.output) if run else [],
            "models": await asyncio.to_thread(_models, request),
            "keep_models": request.app[SETTINGS].workbench.keep_models,
        }
    )


@routes.post("/api/designer/training")
async def start(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    try:
        run = request.app[TRAINER].start(designer.id)
    except Busy:
        raise InputError(
            "training_running", "A training run is going on already; wait for it to end.", 409
        ) from None
    return web.json_response({"run": run.summary()}, status=202)


@routes.get("/api/designer/training/events")
async def events(request: web.Request) -> web.StreamResponse:
    await require_role(request, *DESIGNERS)
    stream = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await stream.prepare(request)
    try:
        async for event in request.app[TRAINER].follow():
            name = event.pop("event")
            await stream.write(f"event: {name}\ndata: {json.dumps(event)}\n\n".encode())
        await stream.write(b"event: end\ndata: {}\n\n")
    except ConnectionResetError:  # the page was closed or reloaded; a reload follows anew
        pass
    return stream


@routes.post("/api/designer/models/active")
async def choose(request: web.Request) -> web.Response:
    designer = await require_role(request, *DESIGNERS)
    require_same_origin(request)
    name = (await read_json(request)).get("model")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise InputError("invalid_model", "model is the name of a model in the list.")
    data_dir = _data_dir(request)
    model = await asyncio.to_thread(find, data_dir, name)
    if model is None:
        raise InputError("unknown_model", "No such model.", 404)
    async with request.app[ACTIVATING]:
        previous = active(data_dir)
        loaded = await request.app[BOT].load_model(model)
        failed = {url: why for url, why in loaded.items() if why is not None}
        if failed:
            # Some workers may have it, some not: put them all back on the model that was active.
            restored = previous is not None and not any(
                (await request.app[BOT].load_model(previous)).values()
            )
            log.error("model not activated", extra={"model": name, "workers_failed": len(failed)})
            back = f"all are back on {previous.name}" if restored and previous else "check the Rasa logs"
            reasons = "; ".join(f"{url}: {why}" for url, why in failed.items())
            raise InputError("not_activated", f"Not activated: {reasons}. {back}.", 502)
        await asyncio.to_thread(activate, data_dir, model)
    log.info("model activated", extra={"model": name, "by": designer.id, "workers": len(loaded)})
    models = await asyncio.to_thread(_models, request)
    return web.json_response({"active": name, "workers": len(loaded), "models": models})


def register(app: web.Application) -> None:
    app[TRAINER] = Trainer(app[SETTINGS], config_path())
    app[ACTIVATING] = asyncio.Lock()
    app.add_routes(routes)
    app.on_cleanup.append(lambda app: app[TRAINER].stop())
