"""The gateway's aiohttp application: wiring, middlewares, background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from handoff import web_desk
from tandem import web_chat, web_help, web_internal, web_ops, web_ws
from tandem.access import INTERNAL_PREFIX, on_internal_site
from tandem.app_keys import (
    BOT,
    CLIENT_LIMITER,
    CLUSTER,
    HTTP,
    KNOWLEDGE,
    METRICS,
    RATE_LIMITER,
    SECRETS,
    SERVICE,
    SETTINGS,
    START_LIMITER,
    STORE,
)
from tandem.bot_client import BotClient
from tandem.cluster import Cluster
from tandem.config import Settings
from tandem.conversations import ConversationService
from tandem.events import EventHub
from tandem.knowledge import KnowledgeState
from tandem.metrics import Metrics
from tandem.rate_limit import RateLimiter, SharedRateLimiter
from tandem.secrets import Secrets
from tandem.store import Store
from tandem.validation import InputError
from workbench import web as workbench_web
from workbench import web_gaps, web_intents, web_review
from workbench import web_training as workbench_training

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Bodies above this never reach a handler; a chat message is at most a few KB.
MAX_BODY_BYTES = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error a client can cause comes back as {"error": {"code", "message"}} with a fitting status."""
    try:
        return await handler(request)
    except InputError as error:
        request.app[METRICS].rejected.labels(error.code).inc()
        headers = {"Retry-After": "1"} if error.http_status == 429 else None
        return web.json_response(error.to_json(), status=error.http_status, headers=headers)
    except web.HTTPRequestEntityTooLarge:
        request.app[METRICS].rejected.labels("body_too_large").inc()
        error = InputError("message_too_large", f"The request body is over {MAX_BODY_BYTES} bytes.", 413)
        return web.json_response(error.to_json(), status=413)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        return web.json_response({"error": {"code": code, "message": exc.reason}}, status=exc.status)


@web.middleware
async def internal_site_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The service API does not exist on the public listener, whatever token comes with the request."""
    if request.path.startswith(INTERNAL_PREFIX) and not on_internal_site(request):
        raise web.HTTPNotFound()
    return await handler(request)


@web.middleware
async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    request.app[METRICS].http_seconds.labels(request.method, route, str(response.status)).observe(
        time.perf_counter() - started
    )
    return response


async def index_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html")


def create_app(settings: Settings, secrets: Secrets) -> web.Application:
    app = web.Application(
        middlewares=[timed, errors_as_json, internal_site_only], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[SECRETS] = secrets
    app[METRICS] = Metrics()
    app[RATE_LIMITER] = RateLimiter(settings.gateway.rate_limit_per_s, settings.gateway.rate_limit_burst)
    app[START_LIMITER] = RateLimiter(settings.gateway.start_limit_per_s, settings.gateway.start_limit_burst)
    app[CLIENT_LIMITER] = RateLimiter(
        settings.gateway.client_limit_per_s, settings.gateway.client_limit_burst
    )
    app[KNOWLEDGE] = KnowledgeState()
    app.router.add_get("/", index_page)
    app.router.add_static("/static", WEB_DIR / "static")
    app.add_routes(web_chat.routes)
    app.add_routes(web_ws.routes)
    app.add_routes(web_internal.routes)
    app.add_routes(web_ops.routes)
    app.add_routes(web_help.routes)
    app.cleanup_ctx.append(_resources)
    # The human handoff (desk, dashboard, router) is a package of its own that plugs in here, before
    # the bot watcher starts: a message it replays must meet the escalation policy.
    web_desk.register(app)
    workbench_web.register(app)
    web_gaps.register(app)
    workbench_training.register(app)
    web_review.register(app)
    web_intents.register(app)
    app.cleanup_ctx.append(_background)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = await Store.open(resolve_store_url(settings))
    session = aiohttp.ClientSession()
    bot = BotClient(settings.rasa, app[SECRETS].rasa_token.get_secret_value(), session)
    app[STORE], app[HTTP], app[BOT] = store, session, bot
    menu = frozenset(option.payload for option in settings.voice.menu.values())
    service = app[SERVICE] = ConversationService(
        store, bot, EventHub(), app[METRICS], settings.privacy.secret_slots, {"phone": menu}
    )
    if settings.cluster.redis_url:
        _join_cluster(app, settings.cluster.redis_url, service)
    yield
    if CLUSTER in app:
        await app[CLUSTER].close()
    await session.close()
    await store.close()


def _join_cluster(app: web.Application, redis_url: str, service: ConversationService) -> None:
    """Share with the other gateways what one would keep in memory: conversations' events and locks,
    and the limits per client address (a client's chats may be served by different gateways)."""
    gateway = app[SETTINGS].gateway
    cluster = app[CLUSTER] = Cluster.connect(redis_url, app[SECRETS].redis_password.get_secret_value())
    cluster.relay("conversations", service.events)
    service.shared_lock = cluster.conversation_lock
    app[START_LIMITER] = SharedRateLimiter(
        cluster.redis, "start", gateway.start_limit_per_s, gateway.start_limit_burst
    )
    app[CLIENT_LIMITER] = SharedRateLimiter(
        cluster.redis, "client", gateway.client_limit_per_s, gateway.client_limit_burst
    )


async def _background(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    tasks = [
        asyncio.create_task(app[SERVICE].watch_bot(settings.rasa.health_interval_s)),
        asyncio.create_task(app[KNOWLEDGE].load(settings)),
    ]
    if CLUSTER in app:  # after every part has opened its channels
        tasks.append(asyncio.create_task(app[CLUSTER].run()))
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def resolve_store_url(settings: Settings) -> str:
    """SQLite paths in config.yml are relative to the repository, like every other path there; the
    folder is made on the way."""
    prefix = "sqlite+aiosqlite:///"
    if settings.store_url.startswith(prefix):
        path = settings.resolve(Path(settings.store_url.removeprefix(prefix)))
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return settings.store_url
