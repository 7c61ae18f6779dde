"""The real action server (`python -m bot.action_server`), driven by raw HTTP as an attacker would:
reachable on loopback only, refusing any call without Rasa's secret, and trusting no tracker."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.action_server import StartError, authorized, loopback_host
from bot.bank import seed
from tandem.config import CONFIG_ENV, REPO_ROOT, load_settings
from tandem.isolated import write_isolated_config
from tests.test_actions import load_domain

pytestmark = pytest.mark.security

TOKEN = "a-test-secret-for-the-action-server-0123456789"
ALICE_SLOTS = {"verification_status": "verified", "verified_customer_id": "1", "customer_first_name": "Alice"}
ALICE_BALANCE = "£1,842.56"
DOMAIN = load_domain()


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    bank: Path


def server_command(config: Path, token: str | None) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_ACTIONS_TOKEN"}
    env |= {CONFIG_ENV: str(config), "PYTHONPATH": str(REPO_ROOT)}
    if token is not None:
        env["TANDEM_ACTIONS_TOKEN"] = token
    return [sys.executable, "-m", "bot.action_server"], env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("actions")
    config = write_isolated_config(root)
    settings = load_settings(config)
    bank = settings.resolve(settings.bank_db_path)
    seed(bank)
    url = str(settings.actions.url).rstrip("/")
    command, env = server_command(config, TOKEN)
    with (root / "actions.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (root / "actions.log").read_text()
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the action server did not come up"
                time.sleep(0.2)
        yield Server(url, settings.actions.url.port or 0, bank)
    finally:
        process.terminate()
        process.wait(10)


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def get(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=10
        ) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def action_call(
    action: str,
    sender: str,
    slots: dict[str, Any],
    latest: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> dict[str, Any]:
    """The body Rasa posts to /webhook."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": sender,
            "slots": {"kb_articles_shown": [], **slots},
            "latest_message": latest or {},
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": None,
        },
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong-" + TOKEN[6:]),
        bearer(TOKEN[:-1]),
        {"Authorization": TOKEN},
        {"X-Tandem-Token": TOKEN},
    ],
    ids=["no token", "wrong token", "truncated token", "not a bearer token", "another header"],
)
def test_a_call_without_the_secret_is_refused(server: Server, headers: dict[str, str]) -> None:
    status, body = post(
        server.url + "/webhook", action_call("action_check_balance", "x", ALICE_SLOTS), headers
    )
    assert status == 401
    assert ALICE_BALANCE not in str(body)
    assert get(server.url + "/actions", headers) == 401


def test_the_secret_in_a_query_string_is_not_accepted(server: Server) -> None:
    status, _ = post(
        f"{server.url}/webhook?token={TOKEN}", action_call("action_check_balance", "x", ALICE_SLOTS)
    )
    assert status == 401


def test_a_forged_tracker_with_the_secret_gets_no_customer_data(server: Server) -> None:
    """Even a caller holding the secret cannot claim a verification that never happened."""
    sender = "forger-1"
    status, result = post(
        server.url + "/webhook", action_call("action_check_balance", sender, ALICE_SLOTS), bearer(TOKEN)
    )
    assert status == 200
    assert [r["response"] for r in result["responses"]] == ["utter_verification_failed"]
    assert "1,842" not in json.dumps(result) and "6207" not in json.dumps(result)

    block = {**ALICE_SLOTS, "block_card_last_four": "4821", "block_card_confirmed": True}
    status, result = post(
        server.url + "/webhook", action_call("action_block_card", sender, block), bearer(TOKEN)
    )
    assert status == 200
    assert [r["response"] for r in result["responses"]] == ["utter_verification_failed"]

    dispute = {**ALICE_SLOTS, "dispute_transaction_id": "3", "dispute_reason": "not_recognised"}
    status, result = post(
        server.url + "/webhook", action_call("action_create_dispute", sender, dispute), bearer(TOKEN)
    )
    assert status == 200
    assert [r["response"] for r in result["responses"]] == ["utter_verification_failed"]

    status, result = post(
        server.url + "/webhook",
        action_call("action_ask_block_card_last_four", sender, ALICE_SLOTS),
        bearer(TOKEN),
    )
    assert status == 200 and result["responses"][0]["buttons"] == []  # no card of Alice's offered

    with sqlite3.connect(server.bank) as connection:
        assert connection.execute("SELECT status FROM cards WHERE last_four = '4821'").fetchone() == (
            "active",
        )
        assert connection.execute("SELECT count(*) FROM dispute_cases").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM card_blocks WHERE card_id = 1001").fetchone() == (0,)


def test_refusals_leave_the_customers_conversation_going(server: Server) -> None:
    """A customer verifies through the server as Rasa would call it; forged calls in between change
    nothing, and the customer's next request is answered."""
    customer = "customer-conversation-1"
    answer = {
        "text": "482913",
        "intent": {"name": "inform", "confidence": 0.9},
        "entities": [],
    }
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "482913", "parse_data": answer},
        {"event": "slot", "name": "requested_slot", "value": "verify_secret"},
        {"event": "action", "name": "identity_verification_form"},
    ]
    form_slots = {
        "requested_slot": "verify_secret",
        "verify_account_number": "31846207",
        "verification_method": "pin",
    }
    status, result = post(
        server.url + "/webhook",
        action_call(
            "validate_identity_verification_form",
            customer,
            form_slots,
            latest=answer,
            events=events,
            active_loop="identity_verification_form",
        ),
        bearer(TOKEN),
    )
    assert status == 200, result
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots["verification_status"] == "verified" and slots["verified_customer_id"] == "1"

    for forged in (
        post(server.url + "/webhook", action_call("action_check_balance", customer, ALICE_SLOTS)),
        post(
            server.url + "/webhook",
            action_call("action_check_balance", customer, ALICE_SLOTS),
            bearer("x" * 43),
        ),
        post(
            server.url + "/webhook",
            action_call("action_check_balance", "elsewhere", ALICE_SLOTS),
            bearer(TOKEN),
        ),
    ):
        assert ALICE_BALANCE not in str(forged[1])

    status, result = post(
        server.url + "/webhook", action_call("action_check_balance", customer, ALICE_SLOTS), bearer(TOKEN)
    )
    assert status == 200
    assert ALICE_BALANCE in result["responses"][0]["accounts"]


def non_loopback_addresses() -> list[str]:
    listing = json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, check=True).stdout)
    return [
        a["local"]
        for interface in listing
        for a in interface.get("addr_info", [])
        if a.get("scope") == "global"
    ]


def test_the_server_is_not_reachable_on_the_machines_other_addresses(server: Server) -> None:
    addresses = non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no address other than loopback")
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(3)
            with pytest.raises(OSError):
                probe.connect((address, server.port))
    # The same port answers on loopback, so the refusals above are the bind, not a dead server.
    assert get(server.url + "/health") == 200


def test_it_refuses_to_start_without_a_secret_or_off_loopback(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    command, env = server_command(config, None)
    started = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and "TANDEM_ACTIONS_TOKEN" in started.stderr

    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["actions"]["url"] = "http://0.0.0.0:5999"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    command, env = server_command(config, TOKEN)
    started = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and "loopback" in started.stderr


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (f"Bearer {TOKEN}", True),
        (None, False),
        ("", False),
        (TOKEN, False),
        (f"bearer {TOKEN}", False),
        (f"Bearer {TOKEN} ", False),
        (f"Bearer {TOKEN[:-1]}", False),
        ("Bearer ", False),
    ],
)
def test_authorized(header: str | None, allowed: bool) -> None:
    assert authorized(header, TOKEN) is allowed


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("0.0.0.0", False), ("192.0.2.2", False), ("localhost", False)],
)
def test_loopback_host(host: str, allowed: bool) -> None:
    if allowed:
        assert loopback_host(host) == host
    else:
        with pytest.raises(StartError):
            loopback_host(host)
