"""The whole stack for end-to-end tests: a real Rasa server with a trained model, the real action
server, the gateway, a real knowledge index and real SQLite files, on free loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tandem.config import REPO_ROOT, Settings, load_settings
from tandem.isolated import write_isolated_config
from tandem.launcher import prepare
from tandem.processes import Stack
from tandem.training import ensure_model
from tests.voice.stack import isolate_voice


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The assistant's model, trained once and cached under models/ by fingerprint."""
    return ensure_model(REPO_ROOT / "config.yml", REPO_ROOT / "var" / "logs" / "train.log")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack")
    config_path = write_isolated_config(root)
    isolate_voice(config_path)
    settings: Settings = load_settings(config_path)
    prepare(settings)
    running = Stack(settings, config_path, trained_model)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=stack.gateway_url) as session:
        yield session
