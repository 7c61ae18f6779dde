"""Client for the Rasa workers: Tandem's channel (bot/tandem_channel.py) for the turn's replies and
what the NLU understood; the tracker API for the rest.

Each conversation goes to its own worker, or the next one that takes connections (tandem/rasa_workers.py).

Rasa's HTTP API takes its plain token only in the query string, where URLs get logged: Rasa runs with
a JWT secret instead (bot/rasa_run.py), and every API call carries a short-lived signed bearer token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import jwt

from tandem.config import RasaSettings
from tandem.knowledge_outcome import knowledge_outcome
from tandem.rasa_workers import failover_order, worker_urls
from tandem.secret_answers import marked_message_id

log = logging.getLogger(__name__)
# Rasa's server verifies these with the shared secret; "admin" may read any conversation's tracker.
JWT_ALGORITHM = "HS256"
JWT_LIFETIME_S = 300
# Loading a model (PUT /model) unpacks it and loads its components: seconds, longer on a busy machine.
LOAD_TIMEOUT_S = 180.0
T = TypeVar("T")


class BotUnavailable(Exception):
    """Rasa could not be reached, timed out, or answered with an error."""


@dataclass(frozen=True, slots=True)
class BotReply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons}


@dataclass(frozen=True, slots=True)
class BotTurn:
    replies: list[BotReply]
    intent: str | None
    confidence: float | None
    entities: list[dict[str, Any]]
    # The form slot the bot has just asked the customer for, if any.
    requested_slot: str | None
    # Every slot after the turn: the handoff policy and the agent's context read them.
    slots: dict[str, Any] = field(default_factory=dict)
    # The bot took a security answer (account number, PIN, date of birth) from the message it was sent.
    secret_answer: bool = False
    # What the help centre gave for the message (tandem/knowledge_outcome.py), if the bot searched it.
    knowledge: dict[str, Any] | None = None


def parse_replies(payload: Any) -> list[BotReply]:
    """The channel answers with a list of messages; keep text and buttons, skip the rest."""
    if not isinstance(payload, list):
        raise BotUnavailable(f"unexpected reply from Rasa: {type(payload).__name__}")
    replies = []
    for item in payload:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        buttons = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in item.get("buttons") or []
            if isinstance(b, dict) and "title" in b and "payload" in b
        ]
        replies.append(BotReply(item["text"], buttons))
    return replies


def marks_secret_answer(payload: Any) -> bool:
    """The reply holds the verification form's marker: the message sent was consumed as a secret."""
    items = payload if isinstance(payload, list) else []
    return any(isinstance(i, dict) and marked_message_id(i.get("custom")) is not None for i in items)


class BotClient:
    def __init__(self, settings: RasaSettings, jwt_secret: str, session: aiohttp.ClientSession) -> None:
        self._workers = worker_urls(str(settings.url), settings.workers)
        self._jwt_secret = jwt_secret
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_s, sock_connect=1.0)
        self._probe_timeout = aiohttp.ClientTimeout(total=2.0)

    async def _on_worker(self, conversation_id: str, call: Callable[[str], Awaitable[T]]) -> T:
        """call(worker URL) on the conversation's worker, or on the next one if it refuses connections."""
        refused: aiohttp.ClientConnectorError | None = None
        for index in failover_order(conversation_id, len(self._workers)):
            try:
                return await call(self._workers[index])
            except aiohttp.ClientConnectorError as exc:
                refused = exc
        raise BotUnavailable(f"no Rasa worker takes connections: {refused}")

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        async def turn(base: str) -> tuple[Any, dict[str, Any]]:
            async with self._session.post(
                f"{base}/webhooks/tandem/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
                headers=self._auth(),
                timeout=self._timeout,
            ) as response:
                if response.status != 200:
                    raise BotUnavailable(f"Rasa answered HTTP {response.status}")
                answer = await response.json()
            if not isinstance(answer, dict):
                raise BotUnavailable(f"unexpected reply from Rasa: {type(answer).__name__}")
            understood = answer.get("understood")
            if not isinstance(understood, dict):  # not noted by the tracker store: ask its API
                return answer.get("messages"), await self._state(base, conversation_id)
            state = {
                "latest_message": {
                    "intent": understood.get("intent"),
                    "entities": understood.get("entities"),
                },
                "slots": understood.get("slots"),
            }
            return answer.get("messages"), state

        try:
            payload, state = await self._on_worker(conversation_id, turn)
            replies = parse_replies(payload)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise BotUnavailable(f"{type(exc).__name__}: {exc}") from exc
        latest = state.get("latest_message") or {}
        intent = latest.get("intent") or {}
        return BotTurn(
            replies=replies,
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            entities=[
                {k: e.get(k) for k in ("entity", "value", "start", "end")}
                for e in latest.get("entities") or []
            ],
            requested_slot=(state.get("slots") or {}).get("requested_slot"),
            slots=state.get("slots") or {},
            secret_answer=marks_secret_answer(payload),
            knowledge=knowledge_outcome(payload),
        )

    def _auth(self) -> dict[str, str]:
        claims = {
            "user": {"username": "tandem-gateway", "role": "admin"},
            "exp": time.time() + JWT_LIFETIME_S,
        }
        return {"Authorization": f"Bearer {jwt.encode(claims, self._jwt_secret, algorithm=JWT_ALGORITHM)}"}

    async def _state(self, base: str, conversation_id: str) -> dict[str, Any]:
        # include_events=NONE keeps this call cheap however long the conversation is.
        async with self._session.get(
            f"{base}/conversations/{conversation_id}/tracker",
            params={"include_events": "NONE"},
            headers=self._auth(),
            timeout=self._timeout,
        ) as response:
            if response.status != 200:
                raise BotUnavailable(f"Rasa tracker answered HTTP {response.status}")
            tracker = await response.json()
        return tracker if isinstance(tracker, dict) else {}

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The full tracker (events, slots) for one conversation, for handoff context."""

        async def read(base: str) -> dict[str, Any]:
            async with self._session.get(
                f"{base}/conversations/{conversation_id}/tracker", headers=self._auth(), timeout=self._timeout
            ) as response:
                response.raise_for_status()
                result: dict[str, Any] = await response.json()
                return result

        try:
            return await self._on_worker(conversation_id, read)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BotUnavailable(str(exc)) from exc

    async def set_slots(self, conversation_id: str, values: dict[str, Any]) -> None:
        """Overwrite slots in the tracker, e.g. to clear a handled request for a person on hand-back."""
        events = [{"event": "slot", "name": name, "value": value} for name, value in values.items()]

        async def write(base: str) -> None:
            async with self._session.post(
                f"{base}/conversations/{conversation_id}/tracker/events",
                params={"include_events": "NONE"},
                headers=self._auth(),
                json=events,
                timeout=self._timeout,
            ) as response:
                response.raise_for_status()

        try:
            await self._on_worker(conversation_id, write)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BotUnavailable(str(exc)) from exc

    async def status(self) -> dict[str, Any]:
        """Rasa's /status of the first worker up (which model is loaded), with how many are up.
        Raises BotUnavailable when none is."""
        results = await asyncio.gather(
            *(self._status(base) for base in self._workers), return_exceptions=True
        )
        up = [r for r in results if isinstance(r, dict)]
        if not up:
            raise BotUnavailable(f"no Rasa worker is up: {results[0]}")
        return {**up[0], "workers_up": len(up), "workers": len(self._workers)}

    async def load_model(self, model_file: Path) -> dict[str, str | None]:
        """Rasa's PUT /model on every worker at once: each worker's URL -> None if it loaded model_file
        (it answers with it from then on), else why not. A worker keeps its model until the new one is in."""

        async def load(base: str) -> str | None:
            try:
                async with self._session.put(
                    f"{base}/model",
                    json={"model_file": str(model_file)},
                    headers=self._auth(),
                    timeout=aiohttp.ClientTimeout(total=LOAD_TIMEOUT_S),
                ) as response:
                    if response.status != 204:
                        return f"Rasa answered HTTP {response.status}"
                    return None
            except (aiohttp.ClientError, TimeoutError) as exc:
                return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

        return dict(zip(self._workers, await asyncio.gather(*(load(b) for b in self._workers)), strict=True))

    async def _status(self, base: str) -> dict[str, Any]:
        try:
            async with self._session.get(
                f"{base}/status", headers=self._auth(), timeout=self._probe_timeout
            ) as response:
                response.raise_for_status()
                result: dict[str, Any] = await response.json()
                return result
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BotUnavailable(str(exc)) from exc
