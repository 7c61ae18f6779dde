"""HTTPS and WSS: a second gateway process, given a self-signed certificate and key through environment
variables, serves the chat over TLS beside the test stack (same Rasa and action server)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from handoff.accounts import add_account
from handoff.store import HandoffStore, Role
from tandem.config import REPO_ROOT
from tandem.isolated import free_port
from tandem.processes import GATEWAY_PYTHON, ManagedProcess, Stack
from tandem.store import Store
from tests.chat_client import reply_text, say, start_conversation
from tests.desk.floor import PASSWORD
from tests.test_chat_e2e import receive_until

pytestmark = [pytest.mark.e2e, pytest.mark.security]


@dataclass(frozen=True)
class TlsGateway:
    url: str
    ws_url: str
    trust: ssl.SSLContext  # trusts exactly the self-signed certificate
    store_url: str


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def wait_healthy(url: str, process: ManagedProcess, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.exited() is not None:
            raise RuntimeError(f"the TLS gateway exited: {process.log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if json.load(response).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("the TLS gateway did not become healthy")


@pytest.fixture(scope="module")
def tls_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsGateway]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    port, internal_port = free_port(), free_port()
    store_url = f"sqlite+aiosqlite:///{folder / 'tandem.sqlite'}"
    env = {
        **os.environ,
        "TANDEM_CONFIG": str(stack.config_path),
        "PYTHONPATH": str(REPO_ROOT),
        **stack.secrets.environ(),
        "TANDEM_GATEWAY__PORT": str(port),
        "TANDEM_GATEWAY__INTERNAL_PORT": str(internal_port),
        "TANDEM_GATEWAY__TLS_CERT": str(cert),
        "TANDEM_GATEWAY__TLS_KEY": str(key),
        "TANDEM_STORE_URL": store_url,
    }
    gateway = ManagedProcess(
        "gateway-tls", [str(GATEWAY_PYTHON), "-m", "tandem", "serve"], env, folder / "gateway.log"
    )
    gateway.start()
    try:
        wait_healthy(f"http://127.0.0.1:{internal_port}/health", gateway)
        yield TlsGateway(
            f"https://127.0.0.1:{port}",
            f"wss://127.0.0.1:{port}",
            ssl.create_default_context(cafile=cert),
            store_url,
        )
    finally:
        gateway.stop()


@pytest.fixture
async def https(tls_gateway: TlsGateway) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(ssl=tls_gateway.trust)
    async with aiohttp.ClientSession(base_url=tls_gateway.url, connector=connector) as session:
        yield session


async def test_a_chat_over_https_and_wss(https: aiohttp.ClientSession, tls_gateway: TlsGateway) -> None:
    conversation = await start_conversation(https)
    first = await say(https, conversation, "hello")
    assert first["bot_available"] and reply_text(first)
    async with https.ws_connect(f"{tls_gateway.ws_url}/api/conversations/{conversation}/ws") as socket:
        hello = await socket.receive_json(timeout=10)
        assert hello["type"] == "hello"
        await socket.send_json({"type": "message", "text": "what's my balance?", "client_id": "c-1"})
        frames = await receive_until(socket, lambda fs: fs[-1]["type"] == "ack")
    senders = [f["message"]["sender"] for f in frames if f["type"] == "message"]
    assert senders[0] == "customer" and "bot" in senders


async def test_the_public_listener_speaks_only_tls(tls_gateway: TlsGateway) -> None:
    plain = tls_gateway.url.replace("https://", "http://")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.get(f"{plain}/health") as response:
                await response.read()
        # And a certificate nobody vouched for is not silently trusted by a client that verifies.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            async with session.get(f"{tls_gateway.url}/health") as response:
                await response.read()


@pytest.mark.browser
async def test_the_chat_page_over_https(browser: Browser, tls_gateway: TlsGateway) -> None:
    context = await browser.new_context(ignore_https_errors=True)
    try:
        page = await context.new_page()
        await page.goto(tls_gateway.url + "/")
        assert page.url.startswith("https://")
        await expect(page.locator("#status")).to_have_text("Connected", timeout=15_000)  # over WSS
        await page.get_by_label("Your message").fill("Hello")
        await page.keyboard.press("Enter")
        await expect(page.locator(".msg.customer .text")).to_have_text(["Hello"])
        await expect(page.locator(".msg.bot").first).to_be_visible(timeout=20_000)
    finally:
        await context.close()


async def test_the_desk_cookie_is_secure_over_tls(
    https: aiohttp.ClientSession, tls_gateway: TlsGateway
) -> None:
    store = await Store.open(tls_gateway.store_url)
    try:
        await add_account(
            await HandoffStore.open(store.engine),
            username="tls-agent",
            display_name="Agent Tls",
            password=PASSWORD,
            role=Role.AGENT,
            skills=("cards",),
        )
    finally:
        await store.close()
    async with https.post(
        "/api/desk/login", json={"username": "tls-agent", "password": PASSWORD}
    ) as response:
        assert response.status == 200, await response.text()
        cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie, cookie
