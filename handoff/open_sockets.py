"""Each account's open desk and dashboard sockets, so that disabling it or resetting its password ends
them at once: a session ends on the server, not when the page next reconnects."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

# The desk page goes to the sign-in page on this close code (web/static/desk.js).
SESSION_ENDED = 4401


class OpenSockets:
    def __init__(self) -> None:
        self._by_agent: defaultdict[str, set[web.WebSocketResponse]] = defaultdict(set)
        # With several gateways, the account's sockets on the others end too (handoff/cluster_links.py).
        self.outbox: Callable[[dict[str, Any]], None] | None = None
        self._ending: set[asyncio.Task[None]] = set()

    @contextlib.contextmanager
    def held(self, agent_id: str, ws: web.WebSocketResponse) -> Iterator[None]:
        self._by_agent[agent_id].add(ws)
        try:
            yield
        finally:
            self._by_agent[agent_id].discard(ws)
            if not self._by_agent[agent_id]:
                del self._by_agent[agent_id]

    async def end(self, agent_id: str) -> None:
        if self.outbox:
            self.outbox({"agent_id": agent_id})
        await self._end_here(agent_id)

    def apply(self, ended: dict[str, Any]) -> None:
        """An account's session ended on another gateway."""
        task = asyncio.create_task(self._end_here(ended["agent_id"]))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _end_here(self, agent_id: str) -> None:
        for ws in list(self._by_agent.get(agent_id, ())):
            await ws.close(code=SESSION_ENDED, message=b"session ended")
