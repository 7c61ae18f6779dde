"""One gateway's link to the others through Redis (cluster.redis_url): what one process kept in memory,
several share here.

- Channels: a named stream of JSON messages to every other gateway (pub/sub, in the order sent).
- Hubs: each EventHub's events reach the readers on every gateway, and each gateway tells the others
  which keys (agents' desks) it follows, so "is this agent at a desk?" has one answer.
- Locks: a conversation's turn holds a Redis lock, so two gateways never run its turns at once.
- Leases: work that must run once (the router) runs on whichever gateway holds the lease, and another
  takes it over within LEASE_S when that one dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import RedisError

from tandem.events import EventHub

log = logging.getLogger(__name__)

PREFIX = "tandem:"
# How often a gateway repeats which keys it follows, and how long the others believe it without news.
PRESENCE_EVERY_S = 1.0
PRESENCE_BELIEVED_S = 3.5
LEASE_S = 3.0
LEASE_RENEW_S = 1.0
# A conversation's lock lives this long unless its holder renews it (every third of it, for as long as
# the turn runs): a killed gateway's conversations are free again within this.
CONVERSATION_LOCK_S = 6.0
# Renew the lease only if it is still ours: a gateway that stalled past LEASE_S must not take it back.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

Receive = Callable[[dict[str, Any]], None]


class Cluster:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.gateway = uuid.uuid4().hex[:12]
        self._receivers: dict[str, Receive] = {}
        self._outgoing: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._presence: dict[str, EventHub] = {}
        self._presence_changed = asyncio.Event()
        self._renew = redis.register_script(_RENEW)
        self._send_presence = self.channel("presence", self._heard_presence)

    @classmethod
    def connect(cls, url: str, password: str) -> Cluster:
        return cls(Redis.from_url(url, password=password, decode_responses=True, health_check_interval=10))

    # Channels

    def channel(self, name: str, receive: Receive) -> Callable[[dict[str, Any]], None]:
        """Messages sent with the returned function reach `receive` on every other gateway."""
        self._receivers[name] = receive

        def send(message: dict[str, Any]) -> None:
            self._outgoing.put_nowait(
                (PREFIX + name, json.dumps({"from": self.gateway, **message}, default=str))
            )

        return send

    def relay(self, name: str, hub: EventHub, *, presence: bool = False) -> None:
        """The hub's events reach its readers on every gateway; with presence, its keys count everywhere."""
        send = self.channel(f"hub:{name}", lambda m: hub.deliver(m["key"], m["event"]))
        hub.outbox = lambda key, event: send({"key": key, "event": dict(event)})
        if presence:
            self._presence[name] = hub
            hub.keys_changed = self._presence_changed.set

    async def run(self) -> None:
        """Send, receive and tell presence until cancelled; a lost Redis is retried, not fatal."""
        await asyncio.gather(self._send_forever(), self._receive_forever(), self._tell_presence_forever())

    async def _send_forever(self) -> None:
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < 256:
                batch.append(self._outgoing.get_nowait())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for channel, payload in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
            except RedisError as exc:
                # The others miss these events; their readers resynchronise on reconnect (a desk's hello).
                log.error("cluster: %d events not relayed: %s", len(batch), type(exc).__name__)
                await asyncio.sleep(0.5)

    async def _receive_forever(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(*(PREFIX + name for name in self._receivers))
                    self._presence_changed.set()  # the others may have forgotten us meanwhile
                    async for raw in pubsub.listen():
                        self._dispatch(raw["channel"], raw["data"])
            except (RedisError, OSError) as exc:
                log.error("cluster: subscription lost (%s); resubscribing", type(exc).__name__)
                await asyncio.sleep(0.5)

    def _dispatch(self, channel: str, data: str) -> None:
        message = json.loads(data)
        if message.get("from") == self.gateway:
            return
        receive = self._receivers.get(channel.removeprefix(PREFIX))
        if receive is None:
            return
        try:
            receive(message)
        except Exception:  # one bad message must not stop the relay for everyone
            log.exception("cluster: message on %s not handled", channel)

    async def _tell_presence_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._presence_changed.wait(), PRESENCE_EVERY_S)
            self._presence_changed.clear()
            self._send_presence(
                {"hubs": {name: sorted(hub.local_keys()) for name, hub in self._presence.items()}}
            )

    def _heard_presence(self, message: dict[str, Any]) -> None:
        for name, keys in message["hubs"].items():
            if hub := self._presence.get(name):
                hub.followed_elsewhere(message["from"], frozenset(keys), PRESENCE_BELIEVED_S)

    # Locks and leases

    @asynccontextmanager
    async def conversation_lock(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self.redis.lock(
            f"{PREFIX}lock:conversation:{conversation_id}", timeout=CONVERSATION_LOCK_S, sleep=0.02
        )
        await lock.acquire()
        renewing = asyncio.create_task(_keep_renewed(lock))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            with contextlib.suppress(RedisError):  # expired meanwhile: nothing of ours to release
                await lock.release()

    async def while_holding(self, name: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run work whenever this gateway holds the lease `name`; stop it the moment the lease is lost."""
        key, ttl_ms = f"{PREFIX}lease:{name}", int(LEASE_S * 1000)
        while True:
            try:
                if not await self.redis.set(key, self.gateway, nx=True, px=ttl_ms):
                    await asyncio.sleep(LEASE_RENEW_S)
                    continue
            except RedisError as exc:
                log.error("cluster: lease %s not reachable (%s)", name, type(exc).__name__)
                await asyncio.sleep(LEASE_RENEW_S)
                continue
            log.info("cluster: this gateway holds the lease", extra={"lease": name})
            task = asyncio.create_task(work())
            try:
                while not task.done():
                    await asyncio.sleep(LEASE_RENEW_S)
                    try:
                        if not await self._renew(keys=[key], args=[self.gateway, ttl_ms]):
                            break
                    except RedisError:
                        break
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            log.warning("cluster: lease lost", extra={"lease": name})

    async def close(self) -> None:
        # Say we follow nothing now, rather than be believed for PRESENCE_BELIEVED_S more.
        with contextlib.suppress(RedisError):
            hubs = {name: [] for name in self._presence}
            await self.redis.publish(PREFIX + "presence", json.dumps({"from": self.gateway, "hubs": hubs}))
        await self.redis.aclose()


async def _keep_renewed(lock: Lock) -> None:
    while True:
        await asyncio.sleep(CONVERSATION_LOCK_S / 3)
        try:
            await lock.reacquire()
        except RedisError as exc:  # lost: another gateway may take the conversation; say so, once
            log.error("cluster: a conversation's lock was lost (%s)", type(exc).__name__)
            return
