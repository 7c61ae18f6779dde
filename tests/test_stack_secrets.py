"""The running stack's secrets: generated privately, handed over through environments only, never on a
command line (`ps` shows those to every user), in a URL or in a log; Rasa's API refuses a token in a URL."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import aiohttp
import jwt
import pytest

from tandem.processes import Stack
from tandem.rasa_workers import worker_urls
from tandem.secrets import SECRET_ENV_NAMES
from tests.chat_client import say, start_conversation

pytestmark = [pytest.mark.e2e, pytest.mark.security]


def session_processes(leader: int) -> list[int]:
    """Every live process of a child's session: the stack starts each child in a session of its own,
    so this includes the workers Sanic and Rasa fork."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[3]) == leader:  # field 6 of stat: the session id
            pids.append(int(entry.name))
    return pids


def read_proc(pid: int, name: str) -> bytes:
    try:
        return (Path("/proc") / str(pid) / name).read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def test_the_first_start_wrote_the_stacks_secrets_privately(stack: Stack) -> None:
    path = stack.settings.resolve(stack.settings.data_dir) / "secrets.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text(encoding="utf-8")
    for name, value in stack.secrets.environ().items():
        if name not in os.environ:  # a secret the environment gives is not written down
            assert f"{name}={value}\n" in written


def test_no_secret_on_any_command_line(stack: Stack) -> None:
    secrets = [value.encode() for value in stack.secrets.values()]
    seen = {}
    for process in stack.processes:
        assert process.process is not None and process.exited() is None, process.name
        for pid in session_processes(process.process.pid):
            seen[pid] = read_proc(pid, "cmdline")
    assert len(seen) >= len(stack.processes)
    assert any(b"bot.rasa_run" in cmdline for cmdline in seen.values())  # Rasa really was looked at
    for pid, cmdline in seen.items():
        shown = cmdline.replace(b"\0", b" ")[:200]
        assert not any(s in cmdline for s in secrets), f"pid {pid}: {shown!r} shows a secret"


def test_each_process_gets_only_the_secrets_it_uses(stack: Stack) -> None:
    def secret_names(process_name: str) -> set[str]:
        process = stack.process(process_name).process
        assert process is not None
        variables = read_proc(process.pid, "environ").split(b"\0")
        return {v.split(b"=", 1)[0].decode() for v in variables if v} & SECRET_ENV_NAMES

    # bot.rasa_run pops TANDEM_RASA_TOKEN from its own environment, but /proc shows the one it got.
    for rasa in stack.rasa_processes:
        assert secret_names(rasa.name) == {"TANDEM_RASA_TOKEN", "TANDEM_ACTIONS_TOKEN"}
    assert "TANDEM_SERVICE_TOKEN" in secret_names("gateway")
    if stack.voice is not None and stack.voice.dispatcher is not None:
        assert secret_names("dispatcher") == set()


async def test_rasa_takes_no_token_in_a_url_only_a_signed_bearer(stack: Stack) -> None:
    secret = stack.secrets.rasa_token.get_secret_value()
    status = f"{str(stack.settings.rasa.url).rstrip('/')}/status"

    def bearer(key: str) -> dict[str, str]:
        claims = {"user": {"username": "someone", "role": "admin"}}
        return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm='HS256')}"}

    async with aiohttp.ClientSession() as http:
        for params, headers in [
            ({}, {}),
            ({"token": secret}, {}),  # the old way: refused, so nobody puts the secret in a URL
            ({}, {"Authorization": f"Bearer {secret}"}),
            ({}, bearer("not-the-secret-" * 3)),
        ]:
            async with http.get(status, params=params, headers=headers) as response:
                assert response.status == 401, (params, headers)
        async with http.get(status, headers=bearer(secret)) as response:
            assert response.status == 200
            assert "model_file" in await response.json()


async def test_only_the_gateway_can_send_rasa_a_message(stack: Stack) -> None:
    """Rasa's REST channel took anyone's message; Tandem's channel wants the signed bearer, on every worker."""
    secret = stack.secrets.rasa_token.get_secret_value()
    turn = {"sender": "someone-else", "message": "what's my balance?"}
    signed = jwt.encode({"user": {"username": "tandem-gateway", "role": "admin"}}, secret, algorithm="HS256")
    async with aiohttp.ClientSession() as http:
        for url in worker_urls(str(stack.settings.rasa.url), stack.settings.rasa.workers):
            async with http.post(f"{url}/webhooks/rest/webhook", json=turn) as response:
                assert response.status == 404, url  # not served at all
            for headers in [
                {},
                {"Authorization": "Bearer not-a-token"},
                {"Authorization": f"Bearer {secret}"},
            ]:
                async with http.post(
                    f"{url}/webhooks/tandem/webhook", json=turn, headers=headers
                ) as response:
                    assert response.status == 401, (url, headers)
            auth = {"Authorization": f"Bearer {signed}"}
            async with http.post(
                f"{url}/webhooks/tandem/webhook", json={"sender": 1}, headers=auth
            ) as response:
                assert response.status == 400 and "sender" in (await response.json())["error"]["message"]


async def test_no_secret_in_any_log(stack: Stack, http: aiohttp.ClientSession) -> None:
    await say(http, await start_conversation(http), "what's my balance?")  # Rasa's API is used meanwhile
    logs = stack.settings.resolve(stack.settings.data_dir) / "logs"
    files = [p for p in logs.iterdir() if p.is_file()]
    assert {p.log_path.name for p in [*stack.rasa_processes, stack.process("gateway")]} <= {
        p.name for p in files
    }
    for path in files:
        text = path.read_bytes()
        assert not any(value.encode() in text for value in stack.secrets.values()), path.name
