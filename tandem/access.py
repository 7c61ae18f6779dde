"""Who may touch a conversation: web ones belong to whoever holds their id (an unguessable uuid);
the other channels, and the service API, only to Tandem's own processes, by the service token."""

from __future__ import annotations

import hmac

from aiohttp import web

from tandem.app_keys import SETTINGS
from tandem.store import Conversation
from tandem.validation import InputError


def is_service(request: web.Request) -> bool:
    expected = f"Bearer {request.app[SETTINGS].gateway.service_token}"
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode())


def require_service(request: web.Request) -> None:
    if not is_service(request):
        raise InputError("unauthorized", "This endpoint needs the service token.", 401)


def require_access(request: web.Request, conversation: Conversation) -> None:
    if conversation.channel != "web":
        require_service(request)
