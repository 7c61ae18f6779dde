"""Operations endpoints: health per component, Prometheus metrics, the OpenAPI description, knowledge search."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tandem.access import client_of
from tandem.active_model import LINK, active
from tandem.app_keys import BOT, CLIENT_LIMITER, HTTP, KNOWLEDGE, METRICS, SETTINGS, STORE
from tandem.validation import InputError
from tandem.web_chat import check_rate

routes = web.RouteTableDef()
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


async def _timed(name: str, probe: Any) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        detail = await probe
        status = "up"
    except Exception as exc:  # Health reports every failure as data; it must never raise.
        detail, status = f"{type(exc).__name__}: {exc}", "down"
    return name, {
        "status": status,
        "detail": detail,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def _rasa(request: web.Request) -> Any:
    status = await request.app[BOT].status()
    model = Path(str(status.get("model_file", ""))).name or None
    if model == LINK:  # started from the link (tandem/active_model.py): the model is where it points
        settings = request.app[SETTINGS]
        pointed = active(settings.resolve(settings.data_dir))
        model = pointed.name if pointed else None
    return {
        "model": model,
        "workers_up": status["workers_up"],
        "workers": status["workers"],
    }


async def _actions(request: web.Request) -> Any:
    url = str(request.app[SETTINGS].actions.url).rstrip("/") + "/health"
    async with request.app[HTTP].get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
        response.raise_for_status()
        return await response.json()


async def _index(request: web.Request) -> Any:
    knowledge = request.app[KNOWLEDGE]
    if knowledge.index is None:
        raise RuntimeError(knowledge.error)
    return {"articles": knowledge.index.article_count, "chunks": knowledge.index.chunk_count}


async def _store(request: web.Request) -> Any:
    return {"conversations": await request.app[STORE].ping()}


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    results = dict(
        await asyncio.gather(
            _timed("rasa", _rasa(request)),
            _timed("actions", _actions(request)),
            _timed("index", _index(request)),
            _timed("store", _store(request)),
        )
    )
    healthy = all(r["status"] == "up" for r in results.values())
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "components": results}, status=200 if healthy else 503
    )


@routes.get("/health/live")
async def live(_request: web.Request) -> web.Response:
    """The process answers HTTP: what a load balancer checks (tandem/haproxy.py) several times a second.
    /health would probe Rasa and the rest each time, and take every gateway out while Rasa is away,
    though a gateway without Rasa still takes messages and replays them later."""
    return web.json_response({"status": "alive"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    spec = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return web.Response(text=json.dumps(spec), content_type="application/json")


@routes.get("/api/knowledge/search")
async def knowledge_search(request: web.Request) -> web.Response:
    await check_rate(request.app[CLIENT_LIMITER], f"client:{client_of(request)}")
    knowledge = request.app[KNOWLEDGE]
    if knowledge.index is None:
        raise InputError("index_unavailable", f"The knowledge index is not loaded: {knowledge.error}", 503)
    query = request.query.get("q", "").strip()
    if not query:
        raise InputError("empty_query", "Give a query as ?q=...")
    try:
        k = int(request.query.get("k", request.app[SETTINGS].knowledge.top_k))
    except ValueError as exc:
        raise InputError("invalid_k", "k must be a whole number.") from exc
    if not 1 <= k <= 20:
        raise InputError("invalid_k", "k must be between 1 and 20.")
    hits = await asyncio.to_thread(knowledge.index.search, query, k)
    return web.json_response(
        {
            "query": query,
            "hits": [
                {
                    "score": round(h.score, 4),
                    "article": h.article,
                    "title": h.title,
                    "section": h.section,
                    "snippet": h.snippet,
                }
                for h in hits
            ],
        }
    )
