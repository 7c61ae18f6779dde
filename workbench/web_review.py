"""The designer's conversation review over HTTP: any conversation read with each message's intent and
confidence, the list filtered by how it went (workbench/outcomes.py).

GET /api/designer/conversations?outcome=&after=   newest first, a page at a time; `after` is the previous
                                                   page's `next`
GET /api/designer/conversations/{conversation_id}  its messages, outcomes, handoffs and rating
GET /api/designer/training-diff                    the files the workbench writes, against the last git commit

Designers and supervisors only. A masked message (a verification answer) is stored as its mask alone,
so the review shows the mask and says so; its words were never kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from handoff.web_desk import require_role
from tandem import validation
from tandem.app_keys import SETTINGS, STORE
from tandem.store import Message
from tandem.validation import InputError
from workbench import review_store
from workbench.outcomes import Outcome, outcomes
from workbench.review_store import Cursor, Reviewed
from workbench.training_diff import GitFailed, training_diff
from workbench.web import DESIGNERS

routes = web.RouteTableDef()
CURSOR_SEPARATOR = "~"


def _outcome(raw: str) -> Outcome | None:
    if not raw:
        return None
    try:
        return Outcome(raw)
    except ValueError:
        known = ", ".join(Outcome)
        raise InputError("invalid_outcome", f"outcome is one of: {known}.") from None


def _cursor(raw: str) -> Cursor | None:
    if not raw:
        return None
    created_at, _, conversation_id = raw.partition(CURSOR_SEPARATOR)
    try:
        when = datetime.fromisoformat(created_at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or len(conversation_id) != 32:
        raise InputError("invalid_cursor", "after is the `next` of the previous page.")
    return Cursor(when, validation.conversation_id(conversation_id))


def _summary(found: Reviewed) -> dict[str, Any]:
    return {
        "id": found.id,
        "channel": found.channel,
        "status": found.status,
        "created_at": found.created_at.isoformat(),
        "outcomes": list(outcomes(found.facts)),
        "rating": found.facts.rating,
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "created_at": message.created_at.isoformat(),
        "sender": message.sender,
        "text": message.text,
        "intent": message.intent,
        "confidence": message.confidence,
        "masked": bool((message.data or {}).get("masked")),
    }


@routes.get("/api/designer/conversations")
async def conversations(request: web.Request) -> web.Response:
    await require_role(request, *DESIGNERS)
    outcome = _outcome(request.query.get("outcome", ""))
    after = _cursor(request.query.get("after", ""))
    found = await review_store.page(request.app[STORE].engine, outcome, after)
    last = found[-1] if len(found) == review_store.PAGE else None
    return web.json_response(
        {
            "conversations": [_summary(r) for r in found],
            "next": f"{last.created_at.isoformat()}{CURSOR_SEPARATOR}{last.id}" if last else None,
        }
    )


@routes.get("/api/designer/conversations/{conversation_id}")
async def conversation(request: web.Request) -> web.Response:
    await require_role(request, *DESIGNERS)
    conversation_id = validation.conversation_id(request.match_info["conversation_id"])
    store = request.app[STORE]
    found = await review_store.one(store.engine, conversation_id)
    if found is None:
        raise InputError("unknown_conversation", "No such conversation.", 404)
    return web.json_response(
        {
            **_summary(found),
            "handovers": await review_store.handovers(store.engine, conversation_id),
            "messages": [_message(m) for m in await store.transcript(conversation_id)],
        }
    )


@routes.get("/api/designer/training-diff")
async def diff(request: web.Request) -> web.Response:
    """Every folder the workbench writes: labels and new intents' examples, new intents' declarations,
    and knowledge articles (sample questions, drafts)."""
    await require_role(request, *DESIGNERS)
    settings = request.app[SETTINGS]
    written = (settings.workbench.training_data, settings.workbench.domain, settings.knowledge.articles_dir)
    directories = list(dict.fromkeys(settings.resolve(d) for d in written))
    try:
        found = [await training_diff(directory) for directory in directories]
    except GitFailed as failed:
        raise InputError("git_failed", f"Could not compare with git: {failed}.", 503) from None
    return web.json_response(
        {
            "directories": [
                {"directory": str(d), "compared": f.compared, "why": f.why}
                for d, f in zip(directories, found, strict=True)
            ],
            "lines": [{"kind": line.kind, "text": line.text} for f in found for line in f.lines],
            "truncated": any(f.truncated for f in found),
        }
    )


def register(app: web.Application) -> None:
    app.add_routes(routes)
