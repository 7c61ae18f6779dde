"""Per-address limits that a client cannot dodge, and desk sign-in guessing slowed down (issue 10, item 9)."""

from __future__ import annotations

import ipaddress
import statistics
import time
import uuid

import aiohttp
import pytest

from handoff.signin_guard import GuardPolicy, SignInGuard, wait_after
from tandem.client_address import client_address, trusted_networks
from tandem.processes import Stack
from tests.chat_client import start_conversation
from tests.desk.floor import PASSWORD, add_agent, sign_in

pytestmark = pytest.mark.security

PROXY = trusted_networks(["10.0.0.5", "192.168.1.0/24"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.7", None, PROXY, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", PROXY, "203.0.113.7"),  # not our proxy: its header means nothing
        ("203.0.113.7", "1.2.3.4", (), "203.0.113.7"),
        ("10.0.0.5", "198.51.100.9", PROXY, "198.51.100.9"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.9", PROXY, "198.51.100.9"),  # the client wrote 6.6.6.6
        ("10.0.0.5", "198.51.100.9, 192.168.1.20", PROXY, "198.51.100.9"),  # two proxies deep
        ("10.0.0.5", "192.168.1.20", PROXY, "192.168.1.20"),  # only proxies: the farthest one
        ("10.0.0.5", "not-an-address", PROXY, "10.0.0.5"),
        ("10.0.0.5", "", PROXY, "10.0.0.5"),
        (None, None, PROXY, "unknown"),
    ],
)
def test_client_address(
    peer: str | None,
    forwarded: str | None,
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
    client: str,
) -> None:
    assert client_address(peer, forwarded, trusted) == client


def test_a_trusted_proxy_entry_must_be_an_address() -> None:
    with pytest.raises(ValueError):
        trusted_networks(["proxy.example"])


@pytest.mark.parametrize(("failures", "wait_s"), [(0, 0), (4, 0), (5, 1), (6, 2), (9, 16), (30, 900)])
def test_wait_after_failures(failures: int, wait_s: float) -> None:
    assert wait_after(failures, GuardPolicy()) == wait_s


def test_sign_in_guard_counts_users_and_addresses_apart() -> None:
    now = [1000.0]
    policy = GuardPolicy(free_failures=2, first_wait_s=10, forget_after_s=300)
    guard = SignInGuard(policy, GuardPolicy(free_failures=3, first_wait_s=10), lambda: now[0])
    guard.failed("alex", "a")
    assert guard.wait_s("alex", "a") == 0
    guard.failed("Alex", "b")  # usernames are counted case-blind
    assert guard.wait_s("alex", "c") == 10
    assert guard.wait_s("sam", "b") == 0  # address b failed once only
    now[0] += 4
    assert guard.wait_s("ALEX", "c") == 6
    guard.succeeded("alex")
    assert guard.wait_s("alex", "c") == 0
    for name in ("jo", "kim", "lee"):
        guard.failed(name, "d")  # one address trying many names
    assert guard.wait_s("sam", "d") == 10
    now[0] += 301
    assert guard.wait_s("kim", "c") == 0  # stale failures no longer count


@pytest.mark.e2e
async def test_repeated_wrong_passwords_lock_the_username_even_for_the_right_one(stack: Stack) -> None:
    username = await add_agent(stack)
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
        statuses = []
        for _ in range(6):
            async with http.post("/api/desk/login", json={"username": username, "password": "guess"}) as r:
                statuses.append(r.status)
        assert statuses[:5] == [401] * 5 and statuses[5] == 429, statuses
        async with http.post("/api/desk/login", json={"username": username, "password": PASSWORD}) as r:
            assert r.status == 429
            assert int(r.headers["Retry-After"]) >= 1
            assert (await r.json())["error"]["code"] == "signin_locked"


@pytest.mark.e2e
async def test_an_unknown_username_costs_as_much_as_a_wrong_password(stack: Stack) -> None:
    username = await add_agent(stack)

    async def timed(name: str) -> float:
        # A fresh address each time would need a proxy; the guard's free failures suffice for 4 tries.
        async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
            started = time.perf_counter()
            async with http.post("/api/desk/login", json={"username": name, "password": "guess"}) as r:
                assert r.status == 401
            return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(2):
        known.append(await timed(username))
        unknown.append(await timed(f"nobody-{uuid.uuid4().hex[:8]}"))
    # scrypt takes tens of ms; answering an unknown name without it took well under one.
    assert statistics.median(unknown) > 0.3 * statistics.median(known), (known, unknown)


@pytest.mark.e2e
async def test_a_cross_site_page_cannot_open_an_agents_desk_socket(stack: Stack) -> None:
    session = await sign_in(stack, await add_agent(stack))
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect("/api/desk/socket", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        own = stack.gateway_url
        async with session.ws_connect("/api/desk/socket", headers={"Origin": own}) as ws:
            assert (await ws.receive_json(timeout=10))["type"] == "hello"
    finally:
        await session.close()


@pytest.mark.e2e
async def test_knowledge_search_is_limited_per_address_whatever_x_forwarded_for_says(stack: Stack) -> None:
    burst = stack.settings.gateway.client_limit_burst
    statuses = []
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as http:
        for n in range(burst + 20):
            # A client naming a new address each time: the gateway trusts no proxy, so it is ignored.
            headers = {"X-Forwarded-For": f"198.51.100.{n % 250}"}
            async with http.get("/api/knowledge/search", params={"q": "lost card"}, headers=headers) as r:
                statuses.append(r.status)
    assert 429 in statuses, statuses
    assert statuses.count(200) < burst + 20


@pytest.mark.e2e
async def test_many_sockets_from_one_address_share_its_message_limit(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    burst = stack.settings.gateway.client_limit_burst
    per_socket = 8  # within each connection's own burst
    conversations = [await start_conversation(http) for _ in range(burst // per_socket + 2)]
    opened = [await http.ws_connect(f"/api/conversations/{c}/ws") for c in conversations]
    try:
        for ws in opened:
            assert (await ws.receive_json(timeout=10))["type"] == "hello"
        for ws in opened:
            for n in range(per_socket):
                await ws.send_json({"type": "message", "text": f"hello {n}", "client_id": f"c{n}"})
        outcomes: list[str] = []
        for ws in opened:
            answered = 0
            while answered < per_socket:
                frame = await ws.receive_json(timeout=60)
                if frame["type"] in ("ack", "error"):
                    answered += 1
                    outcomes.append("ack" if frame["type"] == "ack" else frame["code"])
    finally:
        for ws in opened:
            await ws.close()
    assert "rate_limited" in outcomes, outcomes
    assert outcomes.count("ack") < len(outcomes)
