"""The whole stack on PostgreSQL: the gateway's store and Rasa's tracker store on one real server (a fresh
database on tests/conftest.py's private one). A customer verifies and reads their balance, asks for a
person and is offered to a signed-in agent; the PIN is masked in both stores."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import yaml

from tandem.isolated import prepared_stack, write_isolated_config
from tandem.postgres import Server
from tandem.processes import Stack, tracker_store_url
from tests.chat_client import reply_text, say, start_conversation
from tests.desk.floor import Desk, add_agent, isolate_handoff, sign_in
from tests.postgres_db import create_database, drop_database
from tests.test_assistant_e2e import verify_with_pin
from tests.voice.stack import isolate_voice

pytestmark = pytest.mark.e2e
ALICE = ("31846207", "482913")


@pytest.mark.parametrize(
    ("store_url", "expected"),
    [
        (
            "postgresql+asyncpg://tandem:pw@127.0.0.1:5433/tandem",
            "postgresql://tandem:pw@127.0.0.1:5433/tandem",
        ),
        ("sqlite+aiosqlite:///var/tandem.sqlite", "sqlite:////data/rasa_tracker.sqlite"),
    ],
)
def test_rasas_tracker_store_follows_the_gateways_store(store_url: str, expected: str) -> None:
    assert tracker_store_url(store_url, Path("/data")) == expected


@pytest.fixture(scope="module")
def database(postgres: Server) -> Iterator[str]:
    # Sync, as the stack below is started synchronously too.
    url = asyncio.run(create_database(postgres))
    yield url
    asyncio.run(drop_database(postgres, url))


@pytest.fixture(scope="module")
def pg_stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = write_isolated_config(tmp_path_factory.mktemp("pg-stack"))
    isolate_voice(config)
    isolate_handoff(config)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["store_url"] = database
    raw["tandem"]["rasa"]["workers"] = 1  # one is enough to show the tracker store there
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    config.chmod(0o600)  # it holds the test database's password
    running = prepared_stack(config)
    try:
        running.start()
        yield running
    finally:
        running.stop()


async def test_a_conversation_and_its_handoff_on_postgresql(pg_stack: Stack, database: str) -> None:
    agent = await sign_in(pg_stack, await add_agent(pg_stack))
    desk = await Desk.open(agent)
    try:
        await desk.wait_for("hello")
        await desk.send({"type": "state", "state": "available"})
        async with aiohttp.ClientSession(base_url=pg_stack.gateway_url) as http:
            conversation = await start_conversation(http)
            await say(http, conversation, "what's my balance?")
            answered = await verify_with_pin(http, conversation, *ALICE)
            assert "£1,842.56" in reply_text(answered), reply_text(answered)
            await say(http, conversation, "I want to talk to a person")
            offer = await desk.offer_for(conversation)
        assert offer["contact"]["context"]["customer"]["display_name"] == "Alice"
    finally:
        await desk.close()
        await agent.close()

    conn = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        texts = [
            r["text"]
            for r in await conn.fetch("SELECT text FROM messages WHERE conversation_id = $1", conversation)
        ]
        events = [
            r["data"] for r in await conn.fetch("SELECT data FROM events WHERE sender_id = $1", conversation)
        ]
    finally:
        await conn.close()
    assert "I want to talk to a person" in texts and "[security details hidden]" in texts
    assert events, "Rasa's tracker store holds the conversation on the same server"
    assert not any(secret in text for text in texts + events for secret in ALICE)
