"""The action server: rasa-sdk's app for bot.actions, on loopback only, answering only Rasa.

`python -m bot.action_server` replaces `python -m rasa_sdk`, which binds every interface and runs
whatever action any caller names. Here the app listens on the host and port of `tandem.actions.url`
(which must be a loopback address), and every request but the health probe must carry
`Authorization: Bearer $TANDEM_ACTIONS_TOKEN`, the secret Rasa sends from bot/endpoints.yml.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from bot.actions.knowledge import ActionAnswerFromKnowledge
from bot.bank.security import dummy_pin_hash
from tandem.config import settings

TOKEN_ENV = "TANDEM_ACTIONS_TOKEN"
MIN_TOKEN_CHARS = 32
# Says only that the process is up (the gateway's /health probes it); it carries no customer data.
OPEN_PATHS = frozenset({"/health"})

log = logging.getLogger(__name__)


class StartError(Exception):
    """The server must not start as configured; the message says why."""


def required_token(environ: dict[str, str]) -> str:
    token = environ.get(TOKEN_ENV, "")
    if len(token) < MIN_TOKEN_CHARS:
        raise StartError(
            f"{TOKEN_ENV} must hold the secret Rasa sends (at least {MIN_TOKEN_CHARS} characters); "
            "`python -m tandem up` generates one per stack"
        )
    return token


def loopback_host(host: str) -> str:
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise StartError(f"tandem.actions.url must name a loopback address such as 127.0.0.1, not {host!r}")
    return host


def authorized(header: str | None, token: str) -> bool:
    expected = f"Bearer {token}"
    return header is not None and hmac.compare_digest(header.encode(), expected.encode())


def build_app(token: str) -> Sanic:
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    # No CORS: no browser has any business calling the action server.
    app = create_app_for_serve(executor, cors_origins=None)

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and not ActionAnswerFromKnowledge.source.settled:
            # Not ready while the knowledge model loads (seconds): the first question would time out.
            return response.json({"status": "loading"}, status=503)
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization"), token):
            return None
        # Refused before the body is read: nothing in it is parsed, run or logged.
        log.warning("refused a %s request without the actions token", request.method)
        return response.json({"error": "unauthorized"}, status=401)

    return app


def main() -> int:
    try:
        token = required_token(dict(os.environ))
        url = settings().actions.url
        host = loopback_host((url.host or "").strip("[]"))  # pydantic writes IPv6 hosts as [::1]
    except StartError as exc:
        print(f"action server: {exc}", file=sys.stderr)
        return 2
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = build_app(token)
    # Loading torch and MiniLM takes seconds: start now, so the first question need not wait for it.
    ActionAnswerFromKnowledge.source.preload()
    # Made now, or the first unknown account number would be refused more slowly than any other.
    dummy_pin_hash()
    # One process: rasa-sdk's worker subprocess would have to rebuild the app from a pickled factory.
    app.run(host=host, port=url.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
