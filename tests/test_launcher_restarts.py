"""Under `python -m tandem up`, a killed Rasa, action server or gateway comes back by itself, and the
customer's conversation goes on: the message sent while Rasa was dead is answered when it is back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import aiohttp
import pytest
import yaml

from tandem.config import CONFIG_ENV, load_settings
from tandem.isolated import write_isolated_config
from tandem.processes import GATEWAY_PYTHON
from tests.chat_client import say, start_conversation, transcript
from tests.voice.stack import isolate_voice

pytestmark = pytest.mark.e2e

QUESTION = "what are your branch opening hours"


class Launcher:
    """`python -m tandem up` on a throw-away config, its terminal output collected."""

    def __init__(self, config: Path) -> None:
        self.popen = subprocess.Popen(
            [str(GATEWAY_PYTHON), "-m", "tandem", "up"],
            env={**os.environ, CONFIG_ENV: str(config)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.decode(errors="replace"))

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not any("Tandem is ready" in line for line in self.lines):
            assert self.popen.poll() is None, "".join(self.lines[-40:])
            assert time.monotonic() < deadline, "".join(self.lines[-40:])
            time.sleep(0.5)

    def child(self, marker: str) -> int | None:
        """The pid of the launcher's child whose command line holds marker."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if parent == self.popen.pid and marker in command:
                return int(entry.name)
        return None

    async def kill_and_await_successor(self, marker: str, timeout_s: float) -> None:
        victim = self.child(marker)
        assert victim is not None, marker
        os.kill(victim, signal.SIGKILL)
        async with asyncio.timeout(timeout_s):
            while (successor := self.child(marker)) in (None, victim):
                assert self.popen.poll() is None, "".join(self.lines[-40:])
                await asyncio.sleep(0.2)
        assert successor != victim


async def until_healthy(http: aiohttp.ClientSession, timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            try:
                async with http.get("/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass  # the gateway itself is starting
            await asyncio.sleep(0.5)


async def answer_after(http: aiohttp.ClientSession, conversation: str, text: str, timeout_s: float) -> str:
    async with asyncio.timeout(timeout_s):
        while True:
            messages = await transcript(http, conversation)
            question = next(m for m in messages if m["text"] == text)
            later = [m["text"] for m in messages if m["sender"] == "bot" and m["id"] > question["id"]]
            if later:
                return " ".join(later)
            await asyncio.sleep(0.5)


async def kill_each_process(launcher: Launcher, gateway_url: str) -> None:
    async with aiohttp.ClientSession(base_url=gateway_url) as http:
        conversation = await start_conversation(http)
        assert (await say(http, conversation, "hello"))["bot_available"] is True

        # Rasa: the customer is told the message is saved, and it is answered once Rasa is back.
        await launcher.kill_and_await_successor("bot.rasa_run", timeout_s=30)
        assert (await say(http, conversation, QUESTION))["bot_available"] is False
        assert "opening" in (await answer_after(http, conversation, QUESTION, timeout_s=240)).lower()

        # The action server: the bot's knowledge answers (an action) work again.
        await launcher.kill_and_await_successor("bot.action_server", timeout_s=30)
        await until_healthy(http, 120)
        reply = await say(http, conversation, "how do I activate my new card?")
        assert reply["bot_available"] is True and "activate" in str(reply["replies"]).lower(), reply

        # The gateway: the conversation and its transcript are still there, and it goes on.
        before = await transcript(http, conversation)
        await launcher.kill_and_await_successor("tandem serve", timeout_s=30)
        await until_healthy(http, 120)
        assert (await transcript(http, conversation))[: len(before)] == before
        assert (await say(http, conversation, "thanks"))["bot_available"] is True


def test_killed_processes_come_back_and_nothing_the_customer_said_is_lost(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    isolate_voice(config)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["voice"]["processes"] = 1  # the phone is not under test: one voice process is enough
    raw["tandem"]["rasa"]["workers"] = 1  # with two, the other would answer (tests/test_rasa_workers_e2e.py)
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    settings = load_settings(config)
    launcher = Launcher(config)
    try:
        launcher.wait_ready(300)
        gateway_url = f"http://{settings.gateway.host}:{settings.gateway.port}"
        asyncio.run(kill_each_process(launcher, gateway_url))
        assert launcher.popen.poll() is None, "".join(launcher.lines[-40:])
    finally:
        launcher.popen.send_signal(signal.SIGINT)
        code = launcher.popen.wait(90)
    assert code == 0, "".join(launcher.lines[-40:])
    assert not any(launcher.child(marker) for marker in ("bot.rasa_run", "bot.action_server", "tandem serve"))
