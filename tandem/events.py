"""Fan-out of live events to the sockets that follow them: customers' chats by conversation, agents'
desks by agent. In one process; with several gateways, tandem/cluster.py relays each hub's events to
the others and tells each which keys the others follow.

A reader that falls a whole queue behind is cut off rather than silently skipped: its socket closes,
the page reconnects, and the hello it gets on reconnect carries everything it missed.
"""

from __future__ import annotations

import asyncio
import time
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
    def __init__(self, queue_size: int = QUEUE_SIZE, clock: Callable[[], float] = time.monotonic) -> None:
        self._queue_size = queue_size
        self._clock = clock
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)
        # Called with every event of every key (the agents' desks follow their conversations). Only in
        # the process that published it: other gateways get the event, not the listeners' work again.
        self.listeners: list[Callable[[str, Event], None]] = []
        # Set by the cluster: every event published here goes to the other gateways too, and a change
        # in the keys followed here is told to them at once.
        self.outbox: Callable[[str, Event], None] | None = None
        self.keys_changed: Callable[[], None] | None = None
        # Keys followed on other gateways: gateway -> (keys, until when believed without news).
        self._elsewhere: dict[str, tuple[frozenset[str], float]] = {}

    @asynccontextmanager
    async def subscribe(self, key: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(self._queue_size)
        first = key not in self._subscriptions
        self._subscriptions[key].add(subscription)
        if first and self.keys_changed:
            self.keys_changed()
        try:
            yield subscription
        finally:
            self._subscriptions[key].discard(subscription)
            if not self._subscriptions[key]:
                del self._subscriptions[key]
                if self.keys_changed:
                    self.keys_changed()

    def has_subscribers(self, key: str) -> bool:
        return key in self._subscriptions or key in self._followed_elsewhere()

    def keys(self) -> frozenset[str]:
        return frozenset(self._subscriptions) | self._followed_elsewhere()

    def local_keys(self) -> frozenset[str]:
        return frozenset(self._subscriptions)

    def publish(self, key: str, event: Event) -> None:
        for listener in self.listeners:
            listener(key, event)
        self.deliver(key, event)
        if self.outbox:
            self.outbox(key, event)

    def deliver(self, key: str, event: Event) -> None:
        """To this process's readers only: an event another gateway published."""
        for subscription in self._subscriptions.get(key, ()):
            subscription.put(event)

    def followed_elsewhere(self, gateway: str, keys: frozenset[str], for_s: float) -> None:
        """What another gateway follows, believed for for_s unless it says again (it may have died)."""
        self._elsewhere[gateway] = (keys, self._clock() + for_s)

    def _followed_elsewhere(self) -> frozenset[str]:
        now = self._clock()
        live = [keys for keys, until in self._elsewhere.values() if until > now]
        return frozenset().union(*live) if live else frozenset()
