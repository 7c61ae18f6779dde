"""A cluster on loopback, as `python -m tandem up --cluster` runs one: PostgreSQL, Redis, HAProxy, two
gateways and two Rasa workers. Customers and agents meet across gateways, and chats go on while a
gateway, then a Rasa worker, is killed: every message a customer sent is stored once and answered once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from handoff.store import Role
from tandem.isolated import isolate_cluster, prepared_stack, write_isolated_config
from tandem.postgres import Server
from tandem.processes import Stack
from tests.chat_client import say, start_conversation, transcript
from tests.desk.floor import PASSWORD, Desk, add_agent, isolate_handoff, sign_in
from tests.postgres_db import create_database, drop_database
from tests.voice.stack import isolate_voice

pytestmark = pytest.mark.e2e

CUSTOMERS = 20
# Questions the bot answers with exactly one message each, so an answer given twice shows.
QUESTIONS = ("what are your branch opening hours", "how do I order a new card", "thank you")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres: Server) -> Iterator[Stack]:
    store_url = asyncio.run(create_database(postgres))
    config = write_isolated_config(tmp_path_factory.mktemp("cluster"))
    isolate_voice(config)
    isolate_handoff(config)
    isolate_cluster(config, gateways=2, store_url=store_url)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["voice"]["processes"] = 1  # the phone is not what this test is about
    raw["tandem"]["rasa"]["workers"] = 2
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    stack = prepared_stack(config)
    stopping = threading.Event()
    # As the launcher does: a killed process is started again.
    supervisor = threading.Thread(target=lambda: _supervise(stack, stopping), daemon=True)
    try:
        stack.start()
        supervisor.start()
        yield stack
    finally:
        stopping.set()
        stack.stop()
        asyncio.run(drop_database(postgres, store_url))


def _supervise(stack: Stack, stopping: threading.Event) -> None:
    while not stopping.wait(0.5):
        assert stack.check() is None


def public_url(stack: Stack, name: str) -> str:
    """One gateway's own address, behind HAProxy's back."""
    first = stack.settings.cluster.gateway_ports_from
    index = int(name.rsplit("-", 1)[1])
    return f"http://127.0.0.1:{first + 2 * index - 2}"


async def signed_in_desk(base_url: str, username: str) -> tuple[aiohttp.ClientSession, Desk]:
    session = aiohttp.ClientSession(base_url=base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post("/api/desk/login", json={"username": username, "password": PASSWORD}) as response:
        assert response.status == 200, await response.text()
    desk = await Desk.open(session)
    await desk.wait_for("hello")
    await desk.send({"type": "state", "state": "available"})
    await desk.wait_for("agent", lambda e: e["agent"]["state"] == "available")
    return session, desk


async def test_an_agent_on_one_gateway_serves_a_customer_on_the_other(cluster: Stack) -> None:
    username = await add_agent(cluster)
    agent_session, desk = await signed_in_desk(public_url(cluster, "gateway-1"), username)
    async with aiohttp.ClientSession(base_url=public_url(cluster, "gateway-2")) as customer:
        conversation = await start_conversation(customer)
        async with customer.ws_connect(f"/api/conversations/{conversation}/ws") as chat:
            assert (await chat.receive_json(timeout=10))["type"] == "hello"
            await say(customer, conversation, "I want to talk to a person")
            # Raised on gateway 2, offered by whichever gateway routes, shown on gateway 1's desk.
            offer = await desk.offer_for(conversation, wait_s=30)
            await desk.send({"type": "accept", "offer_id": offer["id"]})
            contact_id = offer["contact"]["id"]
            await desk.wait_for("contact", lambda e: e["contact"]["id"] == contact_id)
            await say(customer, conversation, "my card was swallowed by the machine")
            said = await desk.wait_for(
                "message", lambda e: e["message"]["text"] == "my card was swallowed by the machine"
            )
            assert said["contact_id"] == contact_id
            await desk.send({"type": "send", "contact_id": contact_id, "text": "I have blocked it for you."})
            # On the customer's socket, which gateway 2 serves.
            async with asyncio.timeout(10):
                while True:
                    event = await chat.receive_json()
                    if (
                        event["type"] == "message"
                        and event["message"]["text"] == "I have blocked it for you."
                    ):
                        break
    await desk.close()
    await agent_session.close()


async def test_every_designer_request_reaches_the_gateway_running_the_training(cluster: Stack) -> None:
    """A training run is one gateway's; without HAProxy keeping the workbench on one gateway, half the
    designer's requests would find no run and a second run could start on the other gateway. (Before the
    tests that kill gateways: one coming back takes the workbench back, and the run with it.)"""
    designer = await sign_in(cluster, await add_agent(cluster, role=Role.DESIGNER, skills=()))
    try:
        async with designer.post("/api/designer/training") as response:
            assert response.status == 202, await response.text()
            number = (await response.json())["run"]["number"]
        async with designer.post("/api/designer/training") as response:
            assert response.status == 409
        async with asyncio.timeout(600):
            while True:
                async with designer.get("/api/designer/training") as response:
                    run = (await response.json())["run"]
                assert run is not None and run["number"] == number
                if run["state"] not in ("training", "comparing"):
                    break
                await asyncio.sleep(0.5)
        assert run["state"] == "ready", run["error"]
        for _ in range(4):  # HAProxy would have spread these over both gateways
            async with designer.get("/api/designer/training") as response:
                assert (await response.json())["run"]["state"] == "ready"
    finally:
        await designer.close()


async def test_chats_go_on_while_a_gateway_then_a_rasa_worker_is_killed(cluster: Stack) -> None:
    sent: dict[str, list[str]] = {}
    killed = asyncio.Event()
    async with aiohttp.ClientSession(base_url=cluster.gateway_url) as http:
        conversations = [await start_conversation(http) for _ in range(CUSTOMERS)]

        async def customer(conversation: str) -> None:
            """Chat through both kills, and three questions more."""
            sent[conversation] = []
            after = 0
            while after < 3:
                question = QUESTIONS[len(sent[conversation]) % len(QUESTIONS)]
                await _say_once(http, conversation, question, len(sent[conversation]))
                sent[conversation].append(question)
                after += killed.is_set()
                await asyncio.sleep(0.3)

        async def killer() -> None:
            await asyncio.sleep(2.0)
            _kill(cluster, "gateway-1")
            await asyncio.sleep(4.0)
            _kill(cluster, "rasa-1")
            killed.set()

        await asyncio.gather(killer(), *(customer(c) for c in conversations))
        assert killed.is_set()
        # Messages a dead process took and never answered are answered by the survivors.
        deadline = time.monotonic() + 90
        for conversation in conversations:
            while True:
                messages = await transcript(http, conversation)
                customer_said = [m["text"] for m in messages if m["sender"] == "customer"]
                taken, answers = _answers(messages)
                if taken == answers == len(customer_said) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
            assert customer_said == sent[conversation], (conversation, customer_said)
            # Each question has a one-message answer.
            assert taken == answers == len(customer_said), (conversation, _senders(messages))


async def _say_once(http: aiohttp.ClientSession, conversation: str, text: str, already: int) -> None:
    """Say it, as the chat page would: when the gateway died mid-request, look at the transcript (which
    another gateway shows) and say it again only if it was never stored."""
    for _ in range(20):
        try:
            await say(http, conversation, text)
            return
        except (aiohttp.ClientError, AssertionError):
            await asyncio.sleep(0.5)
            try:
                messages = await transcript(http, conversation)
            except (aiohttp.ClientError, AssertionError):
                continue
            if len([m for m in messages if m["sender"] == "customer"]) > already:
                return
    raise AssertionError(f"{conversation}: could not say {text!r}")


def _answers(messages: list[dict[str, Any]]) -> tuple[int, int]:
    """(customer messages the bot has taken, bot messages since the first customer message). A message
    replayed after a kill may be answered after the customer's next one: the count is what shows an
    answer given twice."""
    customer = [m for m in messages if m["sender"] == "customer"]
    first = customer[0]["id"] if customer else None
    bot = [m for m in messages if m["sender"] == "bot" and first is not None and m["id"] > first]
    return sum(m["intent"] is not None for m in customer), len(bot)


def _senders(messages: list[dict[str, Any]]) -> str:
    return " ".join(m["sender"][0] for m in messages)


def _kill(stack: Stack, name: str) -> None:
    process = stack.process(name).process
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)


async def test_a_chat_socket_reconnects_through_haproxy_when_its_gateway_dies(cluster: Stack) -> None:
    async with aiohttp.ClientSession(base_url=cluster.gateway_url) as http:
        await _both_gateways_up(cluster, http)
        conversation = await start_conversation(http)
        await say(http, conversation, QUESTIONS[0])
        serving = await _gateway_serving(cluster, conversation)
        socket = await http.ws_connect(f"/api/conversations/{conversation}/ws")
        assert (await socket.receive_json(timeout=10))["type"] == "hello"
        _kill(cluster, serving)
        closed = await socket.receive(timeout=10)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        # As the chat page does: connect again at the same address; HAProxy sends it to the other gateway.
        async with asyncio.timeout(15):
            while True:
                try:
                    socket = await http.ws_connect(f"/api/conversations/{conversation}/ws")
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.5)
        hello = await socket.receive_json(timeout=10)
        assert [m["text"] for m in hello["messages"] if m["sender"] == "customer"] == [QUESTIONS[0]]
        await socket.send_json({"type": "message", "text": QUESTIONS[1], "client_id": "after-the-kill"})
        async with asyncio.timeout(15):
            events = []
            while not any(e["type"] == "ack" for e in events):
                events.append(await socket.receive_json())
        assert any(e["type"] == "message" and e["message"]["sender"] == "bot" for e in events), events
        await socket.close()


async def _both_gateways_up(stack: Stack, http: aiohttp.ClientSession) -> None:
    """The supervisor restarts what an earlier test killed."""
    async with asyncio.timeout(60):
        for name in ("gateway-1", "gateway-2"):
            while True:
                try:
                    async with http.get(public_url(stack, name) + "/health/live") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.5)


async def _gateway_serving(stack: Stack, conversation: str) -> str:
    """Which gateway HAProxy gave the conversation to: the one that logged a decision on its message (its
    start, with no id in the path yet, may have gone to either)."""
    async with asyncio.timeout(10):
        while True:
            for process in stack.gateway_processes:
                for line in process.log_path.read_text(errors="replace").splitlines():
                    if conversation in line and "escalation decision" in line:
                        return process.name
            await asyncio.sleep(0.2)


@pytest.mark.security
async def test_the_cluster_logs_no_customer_text_and_no_redis_password(cluster: Stack) -> None:
    said = "my card ending 4821 was swallowed by the machine on Elm Street"
    async with aiohttp.ClientSession(base_url=cluster.gateway_url) as http:
        conversation = await start_conversation(http)
        await say(http, conversation, said)
        await _gateway_serving(cluster, conversation)  # its turn is logged by now
    logs = Path(cluster.settings.resolve(cluster.settings.data_dir)) / "logs"
    text = "".join(p.read_text(errors="replace") for p in logs.glob("*.log"))
    assert "Elm Street" not in text and "swallowed" not in text
    assert cluster.secrets.redis_password.get_secret_value() not in text
