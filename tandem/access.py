"""Who may touch a conversation: web ones belong to whoever holds their id (an unguessable uuid);
the other channels, and the service API, only to Tandem's own processes, by the service token, and
only on the internal site (gateway.internal_host:internal_port): the public listener never honours it."""

from __future__ import annotations

import hmac
from functools import lru_cache
from urllib.parse import urlsplit

from aiohttp import web

from tandem.app_keys import SECRETS, SETTINGS
from tandem.client_address import Network, client_address, trusted_networks
from tandem.store import Conversation
from tandem.validation import InputError

INTERNAL_PREFIX = "/api/internal/"


def on_internal_site(request: web.Request) -> bool:
    """The request came in on the internal site, not the public listener."""
    local = request.transport.get_extra_info("sockname") if request.transport else None
    gateway = request.app[SETTINGS].gateway
    return isinstance(local, tuple) and local[:2] == (gateway.internal_host, gateway.internal_port)


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


@lru_cache(maxsize=4)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return trusted_networks(entries)


def client_of(request: web.Request) -> str:
    """The client's address, for per-address limits (X-Forwarded-For only from trusted proxies)."""
    trusted = _trusted(request.app[SETTINGS].gateway.trusted_proxies)
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted)


def require_same_origin(request: web.Request) -> None:
    """Browsers send Origin with every WebSocket and cross-site POST: a page on another site may not
    drive an agent's signed-in desk with their cookie. A request without Origin is no browser's."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    parts = urlsplit(origin)
    if parts.netloc.lower() != request.host.lower() or parts.scheme not in ("http", "https"):
        raise InputError("cross_site_request", "This request must come from the desk's own pages.", 403)
