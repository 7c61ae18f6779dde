"""Live connections of agents' desks: which agents are signed in right now, and pushing events to them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

Event = dict[str, Any]


class DeskHub:
    """One agent may have the desk open in several tabs; each gets every event."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    @asynccontextmanager
    async def connect(self, agent_id: str) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=512)
        self._queues[agent_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[agent_id].discard(queue)
            if not self._queues[agent_id]:
                del self._queues[agent_id]

    def connected(self, agent_id: str) -> bool:
        return agent_id in self._queues

    def connected_agents(self) -> frozenset[str]:
        return frozenset(self._queues)

    def push(self, agent_id: str, event: Event) -> None:
        for queue in self._queues.get(agent_id, ()):
            if not queue.full():
                # A desk this far behind is stuck; it gets everything again from "hello" on reconnect.
                queue.put_nowait(event)
