"""Calling a customer back, with real SIP phones: the agent's phone rings first, then the customer's;
answered, the two talk; not answered or busy, the attempt is retried; a number outside the allowed
pattern is never dialled."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tandem.isolated import free_port
from tandem.processes import Stack
from tests.desk.callbacks import (
    agent_phone,
    callback_ticket,
    calls,
    cancel_retries,
    customer_phone,
    history,
    take_due_call,
)
from tests.desk.floor import add_agent, eventually, sign_in
from tests.voice.speech import heard_text
from tests.voice.stack import wait_voice_ready

pytestmark = pytest.mark.e2e


@pytest.fixture
async def agent(stack: Stack) -> Any:
    wait_voice_ready(stack)
    port = free_port()
    session = await sign_in(stack, await add_agent(stack, sip_uri=f"sip:agent@127.0.0.1:{port}"))
    yield session, port
    await session.close()
    await cancel_retries(stack)
    await asyncio.sleep(stack.settings.handoff.callbacks.ring_timeout_s)  # an attempt under way ends


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

    # Once due, the retry is offered on the desk; accepting it rings the agent again, then the customer.
    second_agent = agent_phone(tmp_path, port, "agent2")
    answering = customer_phone(tmp_path, stack, "answering", "--duration", "3")
    offer = await take_due_call(stack, desk, ticket)
    assert "try 2 at calling back" in offer["contact"]["context"]["trigger"]["explanation"]
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
