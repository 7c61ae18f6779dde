"""The voice gateway's link to the conversation core: the gateway's service API over HTTP, on its
loopback-only internal site (the public listener neither serves /api/internal nor honours the token).

A call is one more channel of the same conversation core, so everything a caller says is stored,
answered and shown to agents exactly as chat is. The gateway stays the only writer of the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp


class CoreUnavailable(Exception):
    """The gateway could not be reached or refused the request."""


@dataclass(frozen=True, slots=True)
class Turn:
    replies: list[str]
    bot_available: bool
    farewell: bool = False  # the bot answered the caller's goodbye: the call ends after the survey


class CoreClient:
    def __init__(
        self, base_url: str, service_token: str, session: aiohttp.ClientSession, timeout_s: float
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {service_token}"}
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            async with self._session.post(
                self._base + path, json=body, headers=self._headers, timeout=self._timeout
            ) as response:
                payload: dict[str, Any] = await response.json()
                if response.status >= 400:
                    raise CoreUnavailable(f"{path}: HTTP {response.status} {payload.get('error')}")
                return payload
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CoreUnavailable(f"{path}: {type(exc).__name__}: {exc}") from exc

    async def open_call(self, caller: str) -> str:
        result = await self._post("/api/internal/conversations", {"channel": "phone", "external_id": caller})
        return str(result["conversation_id"])

    async def say(self, conversation_id: str, text: str, payload: str | None = None) -> Turn:
        """What the caller said (or keyed); the bot's replies to speak."""
        body: dict[str, Any] = {"text": text, **({"payload": payload} if payload else {})}
        result = await self._post(f"/api/conversations/{conversation_id}/messages", body)
        replies = [r["text"] for r in result["replies"]]
        return Turn(replies, bool(result["bot_available"]), bool(result.get("farewell")))

    async def note(self, conversation_id: str, sender: str, text: str) -> None:
        await self._post(
            f"/api/internal/conversations/{conversation_id}/notes", {"sender": sender, "text": text}
        )

    async def rate(self, conversation_id: str, score: int) -> None:
        """The caller's 1-5 rating of the conversation, which has ended."""
        await self._post(f"/api/conversations/{conversation_id}/rating", {"score": score})

    async def bridge_failed(self, conversation_id: str, detail: str) -> None:
        """The agent's phone did not answer: the gateway puts the caller back at the front of the queue."""
        await self._post(f"/api/internal/conversations/{conversation_id}/bridge-failed", {"detail": detail})

    async def tap_status(self, conversation_id: str, state: str, detail: str) -> None:
        """How the supervisor's phone on this call is doing, for their monitor page."""
        await self._post(
            f"/api/internal/conversations/{conversation_id}/tap", {"state": state, "detail": detail}
        )

    async def claim_callback(self) -> dict[str, Any] | None:
        """The next due callback attempt for this worker to place, if any."""
        dial: dict[str, Any] | None = (await self._post("/api/internal/callbacks/claim", {}))["dial"]
        return dial

    async def callback_result(self, attempt_id: int, outcome: str, conversation_id: str | None) -> None:
        await self._post(
            f"/api/internal/callbacks/{attempt_id}/result",
            {"outcome": outcome, "conversation_id": conversation_id},
        )

    @asynccontextmanager
    async def events(self, conversation_id: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """The conversation's event socket (hello, message, handoff, closed frames)."""
        async with self._session.ws_connect(
            f"{self._base}/api/conversations/{conversation_id}/ws", headers=self._headers, heartbeat=30
        ) as socket:
            yield socket

    async def close(self, conversation_id: str, reason: str, recording: str | None) -> None:
        await self._post(
            f"/api/internal/conversations/{conversation_id}/close", {"reason": reason, "recording": recording}
        )
