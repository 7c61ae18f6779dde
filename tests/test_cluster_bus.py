"""Two gateways' links (tandem/cluster.py) on one real, private redis-server: events, presence, the
working map, locks, the router's lease and the shared rate limit, as a second gateway sees them."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError

from handoff.cluster_links import SharedWake
from handoff.signin_guard import SignInGuard
from handoff.working import WorkingMap
from tandem import cluster as cluster_module
from tandem.cluster import LEASE_RENEW_S, LEASE_S, PRESENCE_BELIEVED_S, Cluster
from tandem.events import EventHub
from tandem.isolated import free_port
from tandem.rate_limit import SharedRateLimiter
from tandem.redis_server import write_config

PASSWORD = "test-only-redis-password-0123456789"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    plan = write_config(tmp_path_factory.mktemp("redis"), free_port(), PASSWORD)
    server = subprocess.Popen(plan.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{plan.port}/0"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", plan.port), 0.2):
                break
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(10)


@contextlib.asynccontextmanager
async def gateway(url: str) -> AsyncIterator[Cluster]:
    cluster = Cluster.connect(url, PASSWORD)
    yield cluster
    await cluster.close()


@contextlib.asynccontextmanager
async def running(*clusters: Cluster) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c.run()) for c in clusters]
    await asyncio.sleep(0.3)  # subscribed
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def eventually(check: Callable[[], bool], within_s: float = 3.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.05)


@pytest.mark.security
async def test_a_password_is_required(redis_url: str) -> None:
    stranger = Redis.from_url(redis_url)
    with pytest.raises(AuthenticationError):
        await stranger.ping()
    await stranger.aclose()


async def test_an_event_published_on_one_gateway_reaches_readers_on_the_other_once(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        hub_a, hub_b = EventHub(), EventHub()
        a.relay("conversations", hub_a)
        b.relay("conversations", hub_b)
        heard_by_listener_b: list[str] = []
        hub_b.listeners.append(lambda key, _event: heard_by_listener_b.append(key))
        async with running(a, b), hub_a.subscribe("c1") as here, hub_b.subscribe("c1") as there:
            for n in range(3):
                hub_a.publish("c1", {"type": "message", "n": n})
            assert [(await here.get())["n"] for _ in range(3)] == [0, 1, 2]
            assert [(await asyncio.wait_for(there.get(), 3))["n"] for _ in range(3)] == [0, 1, 2]
            await asyncio.sleep(0.3)
            with pytest.raises(TimeoutError):  # no echo back to the publisher's readers
                await asyncio.wait_for(here.get(), 0.3)
        # The listeners (the desks following conversations) ran where it was published, not again here.
        assert heard_by_listener_b == []


async def test_an_agent_at_a_desk_on_one_gateway_is_seen_at_a_desk_by_the_other(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        desks_a, desks_b = EventHub(), EventHub()
        a.relay("desks", desks_a, presence=True)
        b.relay("desks", desks_b, presence=True)
        async with running(a, b):
            assert not desks_a.has_subscribers("agent-1")
            async with desks_b.subscribe("agent-1"):
                await eventually(lambda: desks_a.has_subscribers("agent-1"), 1.5)
                assert desks_a.keys() == {"agent-1"} and desks_a.local_keys() == frozenset()
            await eventually(lambda: not desks_a.has_subscribers("agent-1"), 1.5)


async def test_a_dead_gateways_desks_are_forgotten(redis_url: str) -> None:
    async with gateway(redis_url) as a:
        desks_a = EventHub()
        a.relay("desks", desks_a, presence=True)
        b = Cluster.connect(redis_url, PASSWORD)
        desks_b = EventHub()
        b.relay("desks", desks_b, presence=True)
        async with running(a):
            dying = asyncio.create_task(b.run())
            async with desks_b.subscribe("agent-2"):
                await eventually(lambda: desks_a.has_subscribers("agent-2"), 1.5)
                dying.cancel()  # killed: it never says goodbye
                await asyncio.gather(dying, return_exceptions=True)
                await eventually(lambda: not desks_a.has_subscribers("agent-2"), PRESENCE_BELIEVED_S + 1)
        await b.redis.aclose()


async def test_who_works_on_what_is_the_same_on_both_gateways(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        working_a, working_b = WorkingMap(), WorkingMap()
        working_a.outbox = a.channel("working", working_a.apply)
        working_b.outbox = b.channel("working", working_b.apply)
        async with running(a, b):
            working_a.start("conv-1", "contact-1", "agent-1")
            await eventually(lambda: working_b.get("conv-1") == ("contact-1", "agent-1"))
            working_b.end("conv-1")
            await eventually(lambda: working_a.get("conv-1") is None)


@pytest.mark.security
async def test_password_guesses_spread_over_the_gateways_count_on_each(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        guard_a, guard_b = SignInGuard(), SignInGuard()
        guard_a.outbox = a.channel("signins", guard_a.apply)
        guard_b.outbox = b.channel("signins", guard_b.apply)
        async with running(a, b):
            for _ in range(3):
                guard_a.failed("Alex", "192.0.2.9")
                guard_b.failed("alex", "198.51.100.4")
            # Six failures in all, three on each: both gateways make the next guess wait.
            await eventually(lambda: guard_a.wait_s("alex", "203.0.113.1") > 0)
            await eventually(lambda: guard_b.wait_s("ALEX", "203.0.113.1") > 0)
            guard_b.succeeded("alex")
            await eventually(lambda: guard_a.wait_s("alex", "203.0.113.1") == 0)


async def test_the_router_is_woken_from_the_other_gateway(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        here, router = SharedWake(), SharedWake()
        here.send = a.channel("wake", here.heard)
        router.send = b.channel("wake", router.heard)
        async with running(a, b):
            here.set()  # an agent became available on gateway a
            await asyncio.wait_for(router.wait(), 1.0)


async def test_a_conversation_is_held_by_one_gateway_at_a_time(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        inside: list[str] = []
        overlaps: list[tuple[str, ...]] = []

        async def turn(cluster: Cluster, name: str) -> None:
            async with cluster.conversation_lock("conv-9"):
                inside.append(name)
                if len(inside) > 1:
                    overlaps.append(tuple(inside))
                await asyncio.sleep(0.05)
                inside.remove(name)

        await asyncio.gather(*(turn(c, f"{n}{i}") for i in range(4) for c, n in ((a, "a"), (b, "b"))))
        assert overlaps == []


async def test_a_long_turn_keeps_its_conversation_and_a_killed_gateways_frees_itself(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "CONVERSATION_LOCK_S", 0.6)
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        left_at = 0.0

        async def long_turn() -> None:
            nonlocal left_at
            async with a.conversation_lock("conv-long"):
                await asyncio.sleep(1.5)  # well past the lock's own life: renewed meanwhile
                left_at = time.monotonic()

        turn = asyncio.create_task(long_turn())
        await asyncio.sleep(0.1)
        async with b.conversation_lock("conv-long"):
            assert left_at and time.monotonic() >= left_at
        await turn
        # A gateway killed in a turn never releases nor renews: the conversation is free soon after.
        await a.redis.lock("tandem:lock:conversation:conv-dead", timeout=0.6).acquire()
        started = time.monotonic()
        async with b.conversation_lock("conv-dead"):
            assert time.monotonic() - started < 1.5


async def test_one_router_at_a_time_and_another_takes_over_when_it_dies(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        await a.redis.delete("tandem:lease:router")
        routing: list[str] = []

        def router(name: str) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                routing.append(name)
                try:
                    await asyncio.Event().wait()
                finally:
                    routing.remove(name)

            return run

        leader = asyncio.create_task(a.while_holding("router", router("a")))
        await eventually(lambda: routing == ["a"])
        follower = asyncio.create_task(b.while_holding("router", router("b")))
        await asyncio.sleep(LEASE_S + LEASE_RENEW_S)
        assert routing == ["a"]
        leader.cancel()  # a's gateway dies; its lease runs out
        await asyncio.gather(leader, return_exceptions=True)
        started = time.monotonic()
        await eventually(lambda: routing == ["b"], LEASE_S + 2 * LEASE_RENEW_S)
        assert time.monotonic() - started <= LEASE_S + 2 * LEASE_RENEW_S
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)


async def test_a_client_has_one_limit_across_gateways(redis_url: str) -> None:
    async with gateway(redis_url) as a, gateway(redis_url) as b:
        on_a = SharedRateLimiter(a.redis, "client", rate_per_s=0.5, burst=3)
        on_b = SharedRateLimiter(b.redis, "client", rate_per_s=0.5, burst=3)
        key = f"client:192.0.2.{time.monotonic_ns() % 250}"
        taken = [await on_a.take(key), await on_b.take(key), await on_a.take(key)]
        assert taken == [0.0, 0.0, 0.0]
        wait_s = await on_b.take(key)
        assert 1.0 < wait_s <= 2.0  # one token every 2 s
        assert await on_a.take("client:198.51.100.7") == 0.0  # another client's bucket is its own


@pytest.mark.security
def test_the_redis_password_is_in_a_private_file(tmp_path: Path) -> None:
    plan = write_config(tmp_path / "redis", 6390, PASSWORD)
    assert plan.config_path.stat().st_mode & 0o077 == 0
    assert PASSWORD not in " ".join(plan.command())
