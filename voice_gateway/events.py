"""A call's view of its conversation's events: the gateway's event socket, followed for the whole call.

The handoff happens in the gateway (queue, offers, an agent accepting on the desk), so the voice
process learns about it from the same socket the chat page uses. The socket may drop (a gateway
restart, a network blip): it is reopened after a pause, and its hello frame carries the
conversation's status, which stands in for the handoff events missed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from voice_gateway.core_client import CoreClient

log = logging.getLogger(__name__)

RETRY_S = 1.0


async def follow(
    core: CoreClient, conversation_id: str, retry_s: float = RETRY_S
) -> AsyncIterator[dict[str, Any]]:
    """Every frame of the conversation's socket, reconnecting until a `closed` frame (then it ends)."""
    while True:
        try:
            async with core.events(conversation_id) as socket:
                async for message in socket:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        continue
                    frame: dict[str, Any] = message.json()
                    yield frame
                    if frame.get("type") == "closed" or frame.get("status") == "closed":
                        return
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("conversation events lost; reconnecting", extra={"error": f"{type(error).__name__}"})
        else:
            log.warning("conversation events socket closed; reconnecting")
        await asyncio.sleep(retry_s)
