"""The whole stack for end-to-end tests: a real Rasa server with a trained model, the real action
server, the gateway, a real knowledge index and real SQLite files, on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from tandem.isolated import prepared_stack, write_isolated_config
from tandem.postgres import Server
from tandem.processes import Stack
from tests.desk.floor import clear_queue, isolate_handoff
from tests.postgres_db import fresh_database, private_server
from tests.voice.stack import isolate_voice


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config_path = write_isolated_config(tmp_path_factory.mktemp("stack"))
    isolate_voice(config_path)
    isolate_handoff(config_path)
    running = prepared_stack(config_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    with private_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The store's URL for an in-process test, run once on each store Tandem supports: a SQLite file, and
    a fresh database on a real PostgreSQL. Either outlives a Store closed and opened again."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite'}"
        return
    async with fresh_database(request.getfixturevalue("postgres")) as url:
        yield url


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as session:
        yield session


CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's services on a machine with no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


@pytest.fixture
async def contexts(browser: Browser, stack: Stack) -> AsyncIterator[list[BrowserContext]]:
    """Browser contexts a test opens (tests/desk/pages.py), closed after it; the queue starts empty."""
    await clear_queue(stack)
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        await context.close()
