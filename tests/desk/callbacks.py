"""Callback tickets and the test phones that stand for the agent and the customer in callback tests
and benchmarks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from handoff.callbacks import AttemptStatus, Outcome
from handoff.store import HandoffStore
from handoff.tables import callback_attempts
from handoff.ticket_store import TicketStore
from handoff.tickets import Sla, TicketKind, reference
from tandem.app import resolve_store_url
from tandem.processes import Stack
from tandem.store import Store
from tests.desk.floor import Desk, clear_queue
from tests.sip.harness import Proc, phone
from tests.voice.speech import say_wav


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


async def take_due_call(stack: Stack, session: aiohttp.ClientSession, ticket_id: int) -> dict[str, Any]:
    """Open the agent's desk, become available and accept the offer of the ticket's due call (a retry or
    a scheduled call), as an agent does on the desk; the offer."""
    await clear_queue(stack)  # no other customer is offered first
    desk = await Desk.open(session)
    try:
        await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "available"})
        event = await desk.wait_for(
            "offer", lambda e: e["offer"]["contact"].get("ticket") == reference(ticket_id)
        )
        await desk.send({"type": "accept", "offer_id": event["offer"]["id"]})
        await desk.wait_for("notice", lambda e: reference(ticket_id) in e["message"])
    finally:
        await desk.close()
    offer: dict[str, Any] = event["offer"]
    return offer


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


async def cancel_retries(stack: Stack) -> None:
    """Retries a test scheduled must not ring phones of the tests after it."""
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.update(callback_attempts)
                .where(callback_attempts.c.status.in_([AttemptStatus.PENDING, AttemptStatus.READY]))
                .values(status=AttemptStatus.DONE, outcome=Outcome.FAILED, finished_at=time.time())
            )
    finally:
        await store.close()
