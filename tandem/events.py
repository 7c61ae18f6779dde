"""Fan-out of live events to the sockets that follow them, in one process: customers' chats by
conversation, agents' desks by agent.

A reader that falls a whole queue behind is cut off rather than silently skipped: its socket closes,
the page reconnects, and the hello it gets on reconnect carries everything it missed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

Event = Mapping[str, Any]
QUEUE_SIZE = 256


class FellBehind(Exception):
    """The reader's queue overflowed; events were lost, so it must reconnect and start again."""


class Subscription:
    """One reader's queue. Whatever is queued after a cut-off is dropped: the reader starts over."""

    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=size)
        self.cut_off = False

    def put(self, event: Event) -> None:
        if self.cut_off:
            return
        if self._queue.full():
            self.cut_off = True
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(event)

    async def get(self) -> Event:
        event = await self._queue.get()
        if event is None:
            raise FellBehind
        return event


class EventHub:
    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)
        # Called with every event of every key (the agents' desks follow their conversations).
        self.listeners: list[Callable[[str, Event], None]] = []

    @asynccontextmanager
    async def subscribe(self, key: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(self._queue_size)
        self._subscriptions[key].add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions[key].discard(subscription)
            if not self._subscriptions[key]:
                del self._subscriptions[key]

    def has_subscribers(self, key: str) -> bool:
        return key in self._subscriptions

    def keys(self) -> frozenset[str]:
        return frozenset(self._subscriptions)

    def publish(self, key: str, event: Event) -> None:
        for listener in self.listeners:
            listener(key, event)
        for subscription in self._subscriptions.get(key, ()):
            subscription.put(event)
