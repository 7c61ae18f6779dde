"""The cluster's process side (tandem/gateway_pool.py): N gateways on ports of their own behind a real
HAProxy, a real private Redis with a password nobody sees on a command line, and the single-gateway
stack left exactly as it was."""

from __future__ import annotations

import http.server
import json
import os
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml
from redis.backoff import NoBackoff
from redis.retry import Retry

from tandem import isolated
from tandem.config import CONFIG_ENV, load_settings, settings
from tandem.gateway_pool import backends
from tandem.haproxy import Backend, HaproxyPlan
from tandem.haproxy import write_config as write_haproxy_config
from tandem.isolated import free_consecutive_ports, isolate_cluster, write_isolated_config
from tandem.processes import ManagedProcess, Stack
from tandem.profiles import cluster_profile
from tandem.secrets import load_secrets

CONVERSATION = "0123456789abcdef0123456789abcdef"
# Building a stack plans its processes and connects to nothing.
UNREACHED_POSTGRES = "postgresql+asyncpg://tandem@127.0.0.1:1/tandem"


def built_stack(root: Path, cluster: bool, store_url: str = UNREACHED_POSTGRES) -> Stack:
    config = write_isolated_config(root)
    if cluster:
        isolate_cluster(config, store_url=store_url)
    settings = load_settings(config)
    stack = Stack(settings, config, Path("unused.tar.gz"), load_secrets(settings, environ={}))
    stack.build()
    return stack


@pytest.fixture
def cluster(tmp_path: Path) -> Stack:
    return built_stack(tmp_path, cluster=True)


def test_one_gateway_stays_as_it_was(tmp_path: Path) -> None:
    stack = built_stack(tmp_path, cluster=False)
    names = [p.name for p in stack.processes]
    assert "gateway" in names and "redis" not in names and "haproxy" not in names
    assert [p.name for p in stack.gateway_processes] == ["gateway"]
    gateway = stack.process("gateway")
    assert gateway.log_path.name == "gateway.log"
    assert not any(name.startswith("TANDEM_GATEWAY__") for name in gateway.env)


def test_a_cluster_stack_has_redis_then_the_gateways_then_haproxy(cluster: Stack) -> None:
    s = cluster.settings
    names = [p.name for p in cluster.processes]
    assert names.index("redis") < names.index("gateway-1") < names.index("gateway-2") < names.index("haproxy")
    assert "gateway" not in names
    assert [p.name for p in cluster.gateway_processes] == ["gateway-1", "gateway-2"]
    # Everything else still goes to the one address, HAProxy's.
    assert cluster.gateway_url == f"http://127.0.0.1:{s.gateway.port}"
    assert cluster.internal_url == f"http://127.0.0.1:{s.gateway.internal_port}"
    first = s.cluster.gateway_ports_from
    for i in (1, 2):
        gateway = cluster.process(f"gateway-{i}")
        assert gateway.log_path.name == f"gateway-{i}.log"
        assert gateway.env["TANDEM_GATEWAY__HOST"] == "127.0.0.1"
        assert gateway.env["TANDEM_GATEWAY__PORT"] == str(first + 2 * i - 2)
        assert gateway.env["TANDEM_GATEWAY__INTERNAL_HOST"] == "127.0.0.1"
        assert gateway.env["TANDEM_GATEWAY__INTERNAL_PORT"] == str(first + 2 * i - 1)
        assert "127.0.0.1" in json.loads(gateway.env["TANDEM_GATEWAY__TRUSTED_PROXIES"])
        assert gateway.env["TANDEM_REDIS_PASSWORD"] == cluster.secrets.redis_password.get_secret_value()
    for name in ("redis", "haproxy"):
        assert "TANDEM_REDIS_PASSWORD" not in cluster.process(name).env


def test_rasa_locks_conversations_in_the_clusters_redis_only_in_a_cluster(
    tmp_path: Path, cluster: Stack
) -> None:
    alone = built_stack(tmp_path / "alone", cluster=False)
    assert "lock_store" not in _endpoints(alone.rasa_processes[0])
    assert "TANDEM_REDIS_PASSWORD" not in alone.rasa_processes[0].env
    password = cluster.secrets.redis_password.get_secret_value()
    for rasa in cluster.rasa_processes:
        endpoints = yaml.safe_load(_endpoints(rasa))
        port = int(cluster.settings.cluster.redis_url.rsplit(":", 1)[1].split("/")[0])
        assert endpoints["lock_store"] == {
            "type": "redis", "url": "127.0.0.1", "port": port, "db": 1,
            "password": "${TANDEM_REDIS_PASSWORD}", "key_prefix": "rasa",
        }  # fmt: skip
        assert endpoints["tracker_store"]["url"] == "${TANDEM_RASA_TRACKER_URL}"
        assert rasa.env["TANDEM_REDIS_PASSWORD"] == password and password not in _endpoints(rasa)


def _endpoints(rasa: ManagedProcess) -> str:
    return Path(rasa.args[rasa.args.index("--endpoints") + 1]).read_text(encoding="utf-8")


def test_a_gateways_environment_overrides_only_its_own_fields(
    cluster: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic-settings merges TANDEM_GATEWAY__PORT into config.yml's gateway section, key by key."""
    for name, value in cluster.process("gateway-2").env.items():
        if name.startswith("TANDEM_GATEWAY__"):
            monkeypatch.setenv(name, value)
    seen = load_settings(cluster.config_path)
    assert seen.gateway.port == cluster.settings.cluster.gateway_ports_from + 2
    assert seen.gateway.trusted_proxies == ("127.0.0.1",)
    assert seen.gateway.max_message_bytes == cluster.settings.gateway.max_message_bytes
    assert seen.gateway.rate_limit_per_s == cluster.settings.gateway.rate_limit_per_s


def test_several_gateways_on_one_sqlite_file_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a PostgreSQL store_url"):
        built_stack(tmp_path, cluster=True, store_url=f"sqlite+aiosqlite:///{tmp_path}/tandem.sqlite")


def test_the_gateways_ports_may_not_take_haproxys(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    isolate_cluster(config)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["cluster"]["gateway_ports_from"] = raw["tandem"]["gateway"]["port"] - 1
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=r"gateway\.port"):
        backends(load_settings(config))


def test_the_haproxy_config_is_valid_and_says_what_matters(cluster: Stack) -> None:
    s = cluster.settings
    plan = HaproxyPlan(s.resolve(s.data_dir) / "haproxy")
    checked = subprocess.run(plan.check_command(), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert stat.S_IMODE(plan.config_path.stat().st_mode) == 0o600
    text = plan.config_path.read_text(encoding="utf-8")
    assert f"bind 127.0.0.1:{s.gateway.port}\n" in text
    assert f"bind 127.0.0.1:{s.gateway.internal_port}\n" in text
    first = s.cluster.gateway_ports_from
    public, internal = text.split("\nbackend gateways_internal\n")
    assert f"server gateway-1 127.0.0.1:{first} id 1 check" in public
    assert f"server gateway-2 127.0.0.1:{first + 2} id 2 check" in public
    assert f"server gateway-1 127.0.0.1:{first + 1} id 1 check" in internal
    assert f"server gateway-2 127.0.0.1:{first + 3} id 2 check" in internal
    assert "option forwardfor" in public
    for line in (
        "balance hash var(txn.affinity)",
        # The workbench's run is one gateway's: all of its requests go there.
        "http-request set-var(txn.affinity) str(workbench) if { path_beg /api/designer/ }",
        "hash-type consistent",
        "option httpchk GET /health/live",
        "default-server inter 500 fall 2 rise 2",
        "retries 2",
        "option redispatch",
        "retry-on conn-failure empty-response response-timeout",
        "http-request disable-l7-retry if !METH_GET",
        "timeout tunnel 1h",
    ):
        assert line in text
    assert cluster.process("haproxy").args == plan.command()


def test_haproxy_serves_tls_with_the_gateways_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    settings = load_settings(write_isolated_config(tmp_path / "stack"))
    gateway = settings.gateway.model_copy(update={"tls_cert": cert, "tls_key": key})
    plan = write_haproxy_config(
        tmp_path / "haproxy", gateway, [Backend("gateway-1", 18001, 18002)], (cert, key)
    )
    bundle = tmp_path / "haproxy" / "gateway.pem"
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    text = plan.config_path.read_text(encoding="utf-8")
    assert f"bind 127.0.0.1:{gateway.port} ssl crt {bundle}" in text
    assert "server gateway-1 127.0.0.1:18001 id 1 check ssl verify none" in text
    assert "server gateway-1 127.0.0.1:18002 id 1 check\n" in text  # the internal site: plain, as alone
    checked = subprocess.run(plan.check_command(), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.security
def test_the_redis_password_is_in_a_private_file_only(cluster: Stack) -> None:
    s = cluster.settings
    password = cluster.secrets.redis_password.get_secret_value()
    config = s.resolve(s.data_dir) / "redis" / "redis.conf"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    text = config.read_text(encoding="utf-8")
    assert f'requirepass "{password}"' in text
    for line in ("bind 127.0.0.1", "protected-mode yes", 'save ""', "appendonly no"):
        assert f"{line}\n" in text
    for process in cluster.processes:
        assert not any(password in arg for arg in process.args), process.name


@pytest.fixture
def running_redis(cluster: Stack) -> Iterator[ManagedProcess]:
    server = cluster.process("redis")
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _client(port: int | None, password: str | None = None) -> redis.Redis:
    # No retries: redis-py retries a refused login (an AuthenticationError is a ConnectionError).
    return redis.Redis(
        host="127.0.0.1", port=port or 0, password=password, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )


@pytest.mark.security
def test_a_real_redis_wants_the_password(cluster: Stack, running_redis: ManagedProcess) -> None:
    port = running_redis.ready_port
    password = cluster.secrets.redis_password.get_secret_value()
    assert running_redis.process is not None
    cmdline = Path(f"/proc/{running_redis.process.pid}/cmdline").read_bytes()
    assert password.encode() not in cmdline
    with pytest.raises(redis.AuthenticationError):
        _client(port).ping()
    with pytest.raises(redis.AuthenticationError):
        _client(port, "not-the-password-of-this-stack").ping()
    client = _client(port, password)
    assert client.set("tandem:test", "here")
    assert client.get("tandem:test") == b"here"
    client.close()
    running_redis.stop()
    assert running_redis.exited() is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port or 0), 0.5).close()


class _Gateway(http.server.ThreadingHTTPServer):
    """Stands in for one gateway: answers /health/live and says which it is and what it was sent."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"gateway": name, "forwarded": self.headers.get("X-Forwarded-For")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _get(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if callable(condition) and condition():
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError("not within the time")


def test_haproxy_keeps_a_conversation_on_one_gateway_and_leaves_a_dead_one(tmp_path: Path) -> None:
    settings = load_settings(write_isolated_config(tmp_path / "stack"))
    first = free_consecutive_ports(4)
    pool = [Backend("gateway-1", first, first + 1), Backend("gateway-2", first + 2, first + 3)]
    servers = [_Gateway(b.name, port) for b in pool for port in (b.port, b.internal_port)]
    plan = write_haproxy_config(tmp_path / "haproxy", settings.gateway, pool, None)
    proxy = ManagedProcess(
        "haproxy", plan.command(), {}, tmp_path / "haproxy.log", ready_port=settings.gateway.port
    )
    proxy.start()
    public = f"http://127.0.0.1:{settings.gateway.port}"
    internal = f"http://127.0.0.1:{settings.gateway.internal_port}"
    try:
        proxy.wait_ready()
        _until(lambda: _get(f"{public}/api/conversations/{CONVERSATION}")["gateway"])
        # One conversation, one gateway: its REST, its socket's path, and on the internal site too.
        paths = [f"/api/conversations/{CONVERSATION}", f"/api/conversations/{CONVERSATION}/ws"]
        owners = {_get(public + path)["gateway"] for path in paths for _ in range(5)}
        owners |= {_get(f"{internal}/api/internal/conversations/{CONVERSATION}/notes")["gateway"]}
        assert len(owners) == 1
        seen = _get(f"{public}/api/conversations/{CONVERSATION}")
        assert seen["forwarded"] == "127.0.0.1"
        # Without a conversation in the path, requests are spread.
        assert {_get(f"{public}/")["gateway"] for _ in range(6)} == {"gateway-1", "gateway-2"}
        # Its gateway dies: its requests go to the other one, at once (retried) and from then on.
        (owner,) = owners
        for server in servers:
            if server.name == owner:
                server.shutdown()
                server.server_close()
        started = time.monotonic()
        assert _get(f"{public}/api/conversations/{CONVERSATION}")["gateway"] != owner
        _until(lambda: "DOWN" in proxy.log_path.read_text(errors="replace"), timeout_s=5)
        assert time.monotonic() - started < 3
        assert {_get(f"{public}/api/conversations/{CONVERSATION}")["gateway"] for _ in range(5)} != {owner}
    finally:
        proxy.stop()
        for server in servers:
            server.shutdown()
            server.server_close()


def test_the_cluster_profile_overrides_what_the_environment_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`up --cluster` without a PostgreSQL of its own: TANDEM_STORE_URL given, which wins, as does any
    variable already set."""
    config = write_isolated_config(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv("TANDEM_STORE_URL", f"sqlite+aiosqlite:///{tmp_path / 'given.sqlite'}")
    monkeypatch.setenv("TANDEM_CLUSTER__GATEWAYS", "3")
    for name in ("TANDEM_CLUSTER__REDIS_URL", "TANDEM_RASA__WORKERS"):
        monkeypatch.delenv(name, raising=False)
    with cluster_profile():
        s = settings()
        assert s.cluster.redis_url == "redis://127.0.0.1:6380/0"
        assert s.cluster.gateways == 3
        assert s.rasa.workers == 2
        assert s.store_url.endswith("given.sqlite")
    # Left as it found it: what it set is gone, what was given stays.
    assert "TANDEM_CLUSTER__REDIS_URL" not in os.environ
    assert os.environ["TANDEM_CLUSTER__GATEWAYS"] == "3"
    settings.cache_clear()


def test_no_stack_gets_a_port_chromium_refuses_to_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium refuses 10080 (net::ERR_UNSAFE_PORT): a stack there failed every browser test of a CI run."""
    assert 10080 not in isolated.PORTS
    offered = iter([10079, 17345])  # 10079 + 1 is refused, so the next base is tried
    monkeypatch.setattr(isolated.random, "choice", lambda _ports: next(offered))
    assert isolated.free_consecutive_ports(3) == 17345
