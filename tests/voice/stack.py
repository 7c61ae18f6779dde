"""The voice gateway inside the test stack: its own SIP port, test timings, and finding its calls."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tandem.processes import ManagedProcess, Stack
from voice_gateway.dispatcher.kamailio import UP_MESSAGE

# Short prompts and timers keep each call test to seconds; the flow under test is the production one.
TEST_VOICE = {
    "greeting": "Welcome to Northwind Bank. How can I help?",
    "no_input_ms": 3000,
    "agent_answer_timeout_s": 4,
}


def isolate_voice(config_path: Path) -> None:
    """Give the throw-away config's voice gateway the short test prompts."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    voice = raw["tandem"]["voice"]
    voice["greeting"] = TEST_VOICE["greeting"]
    voice["endpointing"]["no_input_ms"] = TEST_VOICE["no_input_ms"]
    voice["agent_answer_timeout_s"] = TEST_VOICE["agent_answer_timeout_s"]
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def process_log(process: ManagedProcess) -> list[dict[str, Any]]:
    entries = []
    if not process.log_path.exists():
        return entries
    for line in process.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries


def voice_log(stack: Stack) -> list[dict[str, Any]]:
    """Every voice gateway process's log lines (one process, or each worker behind the dispatcher)."""
    return [entry for process in stack.voice_processes for entry in process_log(process)]


def wait_voice_ready(stack: Stack, timeout_s: float = 60.0) -> str:
    """The SIP URI to call, once every voice process has loaded its models and bound its port and,
    behind the dispatcher, kamailio has seen each of them answer its probe."""
    deadline = time.monotonic() + timeout_s
    assert stack.voice is not None, "the stack was not started"
    dispatcher = stack.process("dispatcher") if stack.voice.dispatcher is not None else None
    while time.monotonic() < deadline:
        for process in [*stack.voice_processes, *([dispatcher] if dispatcher else [])]:
            if process.exited() is not None:
                raise RuntimeError(f"{process.name} exited with {process.exited()}; see {process.log_path}")
        ready = all(
            any(e.get("msg") == "voice gateway ready" for e in process_log(process))
            for process in stack.voice_processes
        )
        if ready and (dispatcher is None or dispatcher_routes_to_all(stack)):
            return stack.voice.public_uri
        time.sleep(0.2)
    raise TimeoutError(f"voice gateway not ready after {timeout_s} s")


def dispatcher_routes_to_all(stack: Stack) -> bool:
    """kamailio has marked every worker up (it logs each one the first time it answers a probe)."""
    assert stack.voice is not None and stack.voice.dispatcher is not None
    text = stack.process("dispatcher").log_path.read_text(errors="replace")
    return all(f"{UP_MESSAGE} sip:{host}:{port}" in text for host, port in stack.voice.dispatcher.workers)


def conversation_of(stack: Stack, caller: str, timeout_s: float = 10.0) -> str:
    """The conversation id of the latest call from that number, read from the gateway's SQLite store
    (the voice log never names the caller)."""
    store = Path(stack.settings.store_url.removeprefix("sqlite+aiosqlite:///"))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.closing(sqlite3.connect(store)) as db:
            found = db.execute(
                "SELECT c.id FROM conversations c JOIN identities i ON i.customer_id = c.customer_id"
                " WHERE i.channel = 'phone' AND i.external_id = ? AND c.channel = 'phone'"
                " ORDER BY c.created_at DESC LIMIT 1",
                (caller,),
            ).fetchone()
        if found:
            return str(found[0])
        time.sleep(0.1)
    raise AssertionError(f"no call from {caller} in the store")


def fetch_conversation(stack: Stack, conversation_id: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{stack.internal_url}/api/conversations/{conversation_id}",
        headers={"Authorization": f"Bearer {stack.secrets.service_token.get_secret_value()}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        result: dict[str, Any] = json.load(response)
        return result


def closed_conversation(stack: Stack, conversation_id: str, timeout_s: float = 15.0) -> dict[str, Any]:
    """The conversation once the voice gateway has closed it (it closes after the call's last input)."""
    deadline = time.monotonic() + timeout_s
    while True:
        conversation = fetch_conversation(stack, conversation_id)
        if conversation["status"] == "closed" or time.monotonic() > deadline:
            return conversation
        time.sleep(0.2)


def rating_of(stack: Stack, conversation_id: str, timeout_s: float = 10.0) -> int | None:
    """The caller's keypad rating, stored just after the conversation is closed; None if none came."""
    store = Path(stack.settings.store_url.removeprefix("sqlite+aiosqlite:///"))
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.closing(sqlite3.connect(store)) as db:
            found = db.execute(
                "SELECT score FROM ratings WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        if found or time.monotonic() > deadline:
            return int(found[0]) if found else None
        time.sleep(0.2)
