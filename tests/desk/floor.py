"""Agents and their desks for end-to-end tests: accounts in the stack's store, signed-in sessions,
and a desk socket that waits for what an agent would see."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
import yaml

from handoff.accounts import add_account
from handoff.store import ContactStatus, HandoffStore, Role
from handoff.tables import contacts, tickets
from handoff.ticket_store import TicketStore
from handoff.tickets import TicketStatus
from tandem.app import resolve_store_url
from tandem.isolated import free_port
from tandem.processes import Stack
from tandem.store import Store
from tests.chat_client import say, start_conversation

PASSWORD = "correct horse battery"
ALL_SKILLS = ("cards", "payments", "complaints")
# Short timers keep each test to seconds; the logic under test is the production one.
TEST_HANDOFF = {"offer_timeout_s": 3, "reconnect_grace_s": 12, "position_update_s": 30}
TEST_MAX_WAIT_S = 6  # the general queue's, so the ticket-or-callback offer comes quickly


def isolate_handoff(config_path: Path) -> None:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    handoff = raw["tandem"]["handoff"]
    handoff.update(TEST_HANDOFF)
    handoff["queues"]["general"]["max_wait_s"] = TEST_MAX_WAIT_S
    # Callbacks reach a test phone listening on this port; only 555 numbers may be dialled; at any hour,
    # so that the tests pass whenever they run (tests/test_calling_hours.py tests the hours).
    handoff["callbacks"] = {
        "calling_hours": None,
        "trunk_uri": f"sip:{{number}}@127.0.0.1:{free_port()}",
        "number_pattern": "555[0-9]{4}",
        "ring_timeout_s": 6,
        "max_attempts": 2,
        "retry_after_s": [4],
    }
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


async def add_agent(
    stack: Stack, role: Role = Role.AGENT, skills: tuple[str, ...] = ALL_SKILLS, **extra: Any
) -> str:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        await add_account(
            await HandoffStore.open(store.engine),
            username=username,
            display_name=f"Agent {username[-4:]}",
            password=PASSWORD,
            role=role,
            skills=skills,
            **extra,
        )
    finally:
        await store.close()
    return username


async def clear_queue(stack: Stack) -> None:
    """Other tests leave customers queued (with nobody signed in), chats whose agent's desk has closed
    (requeued once the grace period ends), and callback requests nobody took; they would be offered
    first."""
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        requests = [t.id for t in await TicketStore(store.engine).callback_requests()]
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.update(contacts)
                .where(contacts.c.status == ContactStatus.QUEUED)
                .values(status=ContactStatus.ABANDONED, closed_at=time.time())
            )
            await conn.execute(
                sa.update(contacts)
                .where(contacts.c.status.in_([ContactStatus.ACTIVE, ContactStatus.WRAP_UP]))
                .values(status=ContactStatus.CLOSED, closed_at=time.time())
            )
            await conn.execute(
                sa.update(tickets).where(tickets.c.id.in_(requests)).values(status=TicketStatus.CLOSED)
            )
    finally:
        await store.close()


async def contact_ids_of(stack: Stack, conversation_id: str) -> list[str]:
    """The handoff contacts of one conversation, oldest first."""
    store = await Store.open(resolve_store_url(stack.settings))
    try:
        async with store.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(contacts.c.id)
                .where(contacts.c.conversation_id == conversation_id)
                .order_by(contacts.c.enqueued_at)
            )
            return [str(row.id) for row in rows]
    finally:
        await store.close()


async def sign_in(stack: Stack, username: str) -> aiohttp.ClientSession:
    # unsafe=True: aiohttp's cookie jar otherwise ignores cookies from an IP address like 127.0.0.1.
    session = aiohttp.ClientSession(base_url=stack.gateway_url, cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.post("/api/desk/login", json={"username": username, "password": PASSWORD}) as response:
        assert response.status == 200, await response.text()
    return session


class Desk:
    """An agent's desk socket: sends frames, and waits for events as the desk page would get them."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, session: aiohttp.ClientSession) -> Desk:
        desk = cls(await session.ws_connect("/api/desk/socket"))
        return desk

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_json(frame)

    async def wait_for(
        self, kind: str, where: Callable[[dict[str, Any]], bool] = lambda _e: True, wait_s: float = 20.0
    ) -> dict[str, Any]:
        for event in self.seen:
            if event["type"] == kind and where(event):
                self.seen.remove(event)
                return event
        deadline = time.monotonic() + wait_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await self.ws.receive_json(timeout=left)
            except (TimeoutError, TypeError) as exc:  # TypeError: the socket closed
                raise AssertionError(f"no {kind} event; saw {[e['type'] for e in self.seen]}") from exc
            if event["type"] == kind and where(event):
                return event
            self.seen.append(event)
        raise AssertionError(f"no {kind} event within {wait_s} s; saw {[e['type'] for e in self.seen]}")

    async def offer_for(self, conversation_id: str, wait_s: float = 20.0) -> dict[str, Any]:
        event = await self.wait_for(
            "offer", lambda e: e["offer"]["contact"]["conversation_id"] == conversation_id, wait_s
        )
        offer: dict[str, Any] = event["offer"]
        return offer

    async def take_a_chat(self, http: aiohttp.ClientSession, words: str) -> tuple[str, str]:
        """Become available; a new customer says `words` (asking for a person) and this desk accepts
        them: (conversation id, contact id), the contact active."""
        await self.send({"type": "state", "state": "available"})
        conversation = await start_conversation(http)
        await say(http, conversation, words)
        offer = await self.offer_for(conversation)
        contact_id: str = offer["contact"]["id"]
        await self.send({"type": "accept", "offer_id": offer["id"]})
        await self.wait_for(
            "contact", lambda e: e["contact"]["id"] == contact_id and e["contact"]["status"] == "active"
        )
        return conversation, contact_id

    async def close(self) -> None:
        await self.ws.close()


async def eventually(check: Callable[[], Any], wait_s: float = 15.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + wait_s
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)
