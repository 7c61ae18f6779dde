"""Helpers the end-to-end tests share: start a conversation and talk like the chat page does."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp


async def start_conversation(http: aiohttp.ClientSession, visitor: str | None = None) -> str:
    async with http.post("/api/conversations", json={"visitor_id": visitor or str(uuid.uuid4())}) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["conversation_id"])


async def say(
    http: aiohttp.ClientSession, conversation_id: str, text: str, payload: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if payload:
        body["payload"] = payload
    # Tests type faster than a person; like any good client, wait when the gateway says so.
    for _ in range(20):
        async with http.post(f"/api/conversations/{conversation_id}/messages", json=body) as response:
            if response.status == 429:
                await asyncio.sleep(float(response.headers["Retry-After"]))
                continue
            assert response.status == 200, await response.text()
            result: dict[str, Any] = await response.json()
            return result
    raise AssertionError("still rate-limited after 20 tries")


def reply_text(result: dict[str, Any]) -> str:
    return " ".join(r["text"] for r in result["replies"])


async def transcript(http: aiohttp.ClientSession, conversation_id: str) -> list[dict[str, Any]]:
    async with http.get(f"/api/conversations/{conversation_id}") as response:
        assert response.status == 200
        messages: list[dict[str, Any]] = (await response.json())["messages"]
        return messages
