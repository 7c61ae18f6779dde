"""Who may touch a conversation: web ones belong to whoever holds their id (an unguessable uuid);
the other channels, and the service API, only to Tandem's own processes, by the service token, and
only on the internal site (127.0.0.1:gateway.internal_port): the public listener never honours it."""

from __future__ import annotations

import hmac

from aiohttp import web

from tandem.app_keys import SECRETS, SETTINGS
from tandem.store import Conversation
from tandem.validation import InputError

INTERNAL_PREFIX = "/api/internal/"


def on_internal_site(request: web.Request) -> bool:
    """The request came in on the loopback-only internal site, not the public listener."""
    local = request.transport.get_extra_info("sockname") if request.transport else None
    return isinstance(local, tuple) and local[:2] == (
        "127.0.0.1",
        request.app[SETTINGS].gateway.internal_port,
    )


def is_service(request: web.Request) -> bool:
    expected = f"Bearer {request.app[SECRETS].service_token.get_secret_value()}"
    presented = request.headers.get("Authorization", "").encode()
    return on_internal_site(request) and hmac.compare_digest(presented, expected.encode())


def require_service(request: web.Request) -> None:
    if not is_service(request):
        raise InputError("unauthorized", "This endpoint needs the service token.", 401)


def require_access(request: web.Request, conversation: Conversation) -> None:
    if conversation.channel != "web":
        require_service(request)
