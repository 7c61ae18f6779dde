"""The voice gateway inside the test stack: its own SIP port, test timings, and finding its calls."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tandem.processes import Stack

# Short prompts and timers keep each call test to seconds; the flow under test is the production one.
TEST_VOICE = {
    "greeting": "Welcome to Northwind Bank. How can I help?",
    "no_input_ms": 3000,
}


def isolate_voice(config_path: Path) -> None:
    """Give the throw-away config's voice gateway the short test prompts."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    voice = raw["tandem"]["voice"]
    voice["greeting"] = TEST_VOICE["greeting"]
    voice["endpointing"]["no_input_ms"] = TEST_VOICE["no_input_ms"]
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def voice_log(stack: Stack) -> list[dict[str, Any]]:
    entries = []
    for line in stack.process("voice").log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries


def wait_voice_ready(stack: Stack, timeout_s: float = 60.0) -> str:
    """The SIP URI to call, once the voice gateway has loaded its models and bound its port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        voice = stack.process("voice")
        if voice.exited() is not None:
            raise RuntimeError(f"voice gateway exited with {voice.exited()}; see {voice.log_path}")
        ready = [e for e in voice_log(stack) if e.get("msg") == "voice gateway ready"]
        if ready:
            return str(ready[-1]["sip_uri"])
        time.sleep(0.2)
    raise TimeoutError(f"voice gateway not ready after {timeout_s} s")


def conversation_of(stack: Stack, caller: str, timeout_s: float = 10.0) -> str:
    """The conversation id of the latest call from that number (from the gateway's structured log)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answered = [
            e for e in voice_log(stack) if e.get("msg") == "call answered" and e.get("caller") == caller
        ]
        if answered:
            return str(answered[-1]["conversation_id"])
        time.sleep(0.1)
    raise AssertionError(f"no call from {caller} in the voice log")


def fetch_conversation(stack: Stack, conversation_id: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{stack.gateway_url}/api/conversations/{conversation_id}",
        headers={"Authorization": f"Bearer {stack.settings.gateway.service_token}"},
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
