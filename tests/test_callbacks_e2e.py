"""Calling a customer back, with real SIP phones: the agent's phone rings first, then the customer's;
answered, the two talk; not answered or busy, the attempt is retried; a number outside the allowed
pattern is never dialled."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from handoff.store import HandoffStore
from handoff.ticket_store import TicketStore
from handoff.tickets import Sla, TicketKind
from tandem.app import resolve_store_url
from tandem.isolated import free_port
from tandem.processes import Stack
from tandem.store import Store
from tests.desk.floor import add_agent, eventually, sign_in
from tests.sip.harness import Proc, phone
from tests.voice.speech import heard_text, say_wav
from tests.voice.stack import wait_voice_ready

pytestmark = pytest.mark.e2e


def customer_port(stack: Stack) -> int:
    trunk = stack.settings.handoff.callbacks.trunk_uri
    assert trunk is not None
    return int(trunk.rsplit(":", 1)[1])  # sip:{number}@127.0.0.1:PORT


async def callback_ticket(stack: Stack, number: str) -> int:
    """A caller's "Request a callback" from the queue, as the gateway records it."""
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        await HandoffStore.open(store.engine)
        conversation = await store.start_conversation(
            await store.customer_for_identity("phone", number), "phone"
        )
        await store.close_conversation(conversation.id, {"reason": "callback"})
        ticket = await TicketStore(store.engine).create(
            conversation_id=conversation.id, contact_id=None, kind=TicketKind.CALLBACK, channel="phone",
            queue="general", priority=2, subject="Please call me about my card", callback_number=number,
            context={}, sla=Sla(3600, 86400), now=time.time(),
        )  # fmt: skip
        return ticket.id
    finally:
        await store.close()


async def history(desk: aiohttp.ClientSession, ticket_id: int) -> list[str]:
    async with desk.get(f"/api/tickets/{ticket_id}") as response:
        body: dict[str, Any] = await response.json()
    return [f"{e['kind']}: {e['text']}" for e in body["history"]]


async def calls(desk: aiohttp.ClientSession, ticket_id: int, part: str) -> list[str]:
    return [entry for entry in await history(desk, ticket_id) if entry.startswith("call:") and part in entry]


def agent_phone(tmp_path: Path, port: int, name: str, says: str | None = None) -> Proc:
    args = ["--answer", "--sip-port", str(port), "--duration", "14"]
    if says:  # after the gateway's "calling the customer back" and the customer's answer
        args += ["--play", str(say_wav(tmp_path / f"{name}.wav", [(6.0, says)], total_s=12))]
    proc = phone(tmp_path, *args, name=name)
    proc.wait_for("ready")
    return proc


def customer_phone(tmp_path: Path, stack: Stack, name: str, *extra: str) -> Proc:
    proc = phone(tmp_path, "--answer", "--sip-port", str(customer_port(stack)), *extra, name=name)
    proc.wait_for("ready")
    return proc


@pytest.fixture
async def agent(stack: Stack) -> Any:
    wait_voice_ready(stack)
    port = free_port()
    session = await sign_in(stack, await add_agent(stack, sip_uri=f"sip:agent@127.0.0.1:{port}"))
    yield session, port
    await session.close()


async def test_the_agent_then_the_customer_are_rung_and_talk(
    stack: Stack, agent: Any, tmp_path: Path
) -> None:
    desk, port = agent
    ticket = await callback_ticket(stack, "5550181")
    agent_side = agent_phone(
        tmp_path, port, "agent", "Hello, this is Northwind Bank calling you back about your card."
    )
    heard = tmp_path / "customer.wav"
    customer = customer_phone(tmp_path, stack, "customer", "--record", str(heard), "--duration", "10")
    async with desk.post(f"/api/tickets/{ticket}/call") as response:
        assert response.status == 200, await response.text()

    assert customer.wait(60) == 0, customer.describe()
    assert agent_side.wait(60) == 0, agent_side.describe()
    assert "calling you back" in heard_text(heard)
    assert await eventually(lambda: calls(desk, ticket, "answered"), wait_s=20)
    async with desk.get(f"/api/tickets/{ticket}") as response:
        assert (await response.json())["ticket"]["first_response_at"] is not None  # the call answered it


async def test_no_answer_is_retried_and_then_answered(stack: Stack, agent: Any, tmp_path: Path) -> None:
    desk, port = agent
    ticket = await callback_ticket(stack, "5550182")
    first_agent = agent_phone(tmp_path, port, "agent1")
    ringing = customer_phone(tmp_path, stack, "ringing", "--ring-only")
    async with desk.post(f"/api/tickets/{ticket}/call") as response:
        assert response.status == 200, await response.text()
    assert ringing.wait(60) == 2  # rang out: never answered
    assert first_agent.wait(60) == 0
    assert await eventually(lambda: calls(desk, ticket, "no answer; next try at"), wait_s=20)

    second_agent = agent_phone(tmp_path, port, "agent2")  # the retry rings the agent again, then the customer
    answering = customer_phone(tmp_path, stack, "answering", "--duration", "3")
    assert answering.wait(60) == 0, answering.describe()
    second_agent.wait(60)
    assert await eventually(lambda: calls(desk, ticket, "answered"), wait_s=20)
    tries = [entry for entry in await calls(desk, ticket, "") if not entry.startswith("call: calling")]
    assert len(tries) == 2, tries  # callback_success_rate: reached on the second of two attempts


async def test_busy_is_reported_and_a_number_outside_the_pattern_is_never_dialled(
    stack: Stack, agent: Any, tmp_path: Path
) -> None:
    desk, port = agent
    ticket = await callback_ticket(stack, "5550183")
    agent_side = agent_phone(tmp_path, port, "agent")
    busy = customer_phone(tmp_path, stack, "busy", "--reject", "486")
    async with desk.post(f"/api/tickets/{ticket}/call") as response:
        assert response.status == 200
    assert busy.wait(60) == 2 and agent_side.wait(60) == 0
    assert await eventually(lambda: calls(desk, ticket, "busy; next try at"), wait_s=20)

    premium = await callback_ticket(stack, "09005550123")
    listener = customer_phone(tmp_path, stack, "listener", "--duration", "1")
    async with desk.post(f"/api/tickets/{premium}/call") as response:
        assert response.status == 409 and (await response.json())["error"]["code"] == "number_refused"
    assert any("outside the allowed pattern" in entry for entry in await history(desk, premium))
    await asyncio.sleep(2)
    assert listener.popen.poll() is None and not listener.all("incoming")  # nothing was dialled
    listener.popen.terminate()
