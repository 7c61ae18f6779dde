"""One customer across channels: once a web visitor and a caller both verify as the same bank customer,
they are one customer, and the agent who takes the call sees the chat beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tandem.processes import Stack
from tests.chat_client import say, start_conversation
from tests.desk.floor import Desk, add_agent, clear_queue, sign_in
from tests.test_assistant_e2e import verify_with_pin

pytestmark = pytest.mark.e2e
BEN = ("52019384", "205118")  # the demo bank's VIP


@pytest.fixture
async def service(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    """The voice gateway's view: the service API on the internal site, with the service token."""
    token = stack.secrets.service_token.get_secret_value()
    async with aiohttp.ClientSession(
        base_url=stack.internal_url, headers={"Authorization": f"Bearer {token}"}
    ) as session:
        yield session


async def test_a_callers_chats_are_beside_the_call_and_a_vip_is_served_sooner(
    http: aiohttp.ClientSession, service: aiohttp.ClientSession, stack: Stack
) -> None:
    await clear_queue(stack)
    chat = await start_conversation(http)
    await say(http, chat, "what's my balance?")
    await verify_with_pin(http, chat, *BEN)

    async with service.post(
        "/api/internal/conversations", json={"channel": "phone", "external_id": "+447700900123"}
    ) as response:
        assert response.status == 201
        call = (await response.json())["conversation_id"]
    await say(service, call, "what's my balance?")
    await verify_with_pin(service, call, *BEN)

    agent = await sign_in(stack, await add_agent(stack, sip_uri="sip:agent@127.0.0.1:5999"))
    try:
        desk = await Desk.open(agent)
        await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "available"})
        await say(service, call, "I want to talk to a person")
        offer = await desk.offer_for(call)
    finally:
        await agent.close()

    customer = offer["contact"]["context"]["customer"]
    assert customer["tier"] == "vip" and customer["display_name"] == "Ben"
    assert {"channel": "bank", "external_id": customer["verified_customer_id"]} in customer["identities"]
    assert {"channel": "phone", "external_id": "+447700900123"} in customer["identities"]
    history = {h["conversation_id"]: h["channel"] for h in customer["history"]}
    assert history[chat] == "web" and history[call] == "phone"
    escalation = stack.settings.handoff.escalation
    assert (
        offer["contact"]["priority"]
        == escalation.priorities["customer_request"] + escalation.vip_priority_boost
    )
