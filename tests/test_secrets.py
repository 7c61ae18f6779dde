"""Secrets and settings from the environment: none shipped, generated privately on first start, a weak
one refused wherever the stack listens beyond loopback (by the real `python -m tandem serve` too)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tandem.config import REPO_ROOT, Settings, load_settings
from tandem.isolated import write_isolated_config
from tandem.secrets import (
    SECRET_ENV_NAMES,
    InsecureSecrets,
    Secrets,
    exposed_listeners,
    is_loopback,
    load_secrets,
    weak_secrets,
)

pytestmark = pytest.mark.security
# What config.yml shipped until these checks: anyone who read the repository knew them.
ONCE_SHIPPED = ("tandem-local-token", "tandem-local-service-token")
STRONG = "k" * 43


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(write_isolated_config(tmp_path))


@pytest.fixture(autouse=True)
def no_secrets_from_the_developers_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_no_secret_in_config_yml_or_the_repository() -> None:
    def secret_keys(node: object, path: str = "") -> list[str]:
        if isinstance(node, dict):
            return [found for key, value in node.items() for found in secret_keys(value, f"{path}.{key}")]
        leaf = path.rsplit(".", 1)[-1]
        looks_secret = any(word in leaf for word in ("token", "password", "secret", "key"))
        return [path] if looks_secret and isinstance(node, str) and node else []

    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    assert secret_keys(config["tandem"]) == []
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        path = REPO_ROOT / name.decode()
        if name.startswith(b"tests/") or not path.is_file():
            continue
        text = path.read_bytes()
        assert not any(value.encode() in text for value in ONCE_SHIPPED), name
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/secrets.env"], cwd=REPO_ROOT, check=False)
    assert ignored.returncode == 0, "var/secrets.env must never be committed"


def test_the_first_start_generates_a_private_file_and_later_starts_reuse_it(settings: Settings) -> None:
    first = load_secrets(settings, environ={})
    path = settings.resolve(settings.data_dir) / "secrets.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text(encoding="utf-8")
    for name, value in first.environ().items():
        assert f"{name}={value}\n" in written and len(value) >= 43
    assert len(set(first.values())) == 4  # four different secrets
    assert load_secrets(settings, environ={}) == first


def test_the_environment_overrides_the_file(settings: Settings) -> None:
    generated = load_secrets(settings, environ={})
    given = load_secrets(settings, environ={"TANDEM_SERVICE_TOKEN": STRONG})
    assert given.service_token.get_secret_value() == STRONG
    assert given.rasa_token == generated.rasa_token


def test_first_starts_at_the_same_time_agree_on_one_set_of_secrets(settings: Settings) -> None:
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: load_secrets(settings, environ={}), range(8)))
    assert all(secrets == loaded[0] for secrets in loaded)
    assert load_secrets(settings, environ={}) == loaded[0]
    assert [p.name for p in (settings.resolve(settings.data_dir)).glob(".secrets.env*")] == []


def test_a_short_secret_is_refused_without_showing_it(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="service_token") as caught:
        load_secrets(settings, environ={"TANDEM_SERVICE_TOKEN": "hunter2"})
    assert "hunter2" not in str(caught.value)


def test_a_secrets_file_other_users_can_read_is_refused(settings: Settings) -> None:
    load_secrets(settings, environ={})
    path = settings.resolve(settings.data_dir) / "secrets.env"
    path.chmod(0o644)
    with pytest.raises(InsecureSecrets, match="chmod 600"):
        load_secrets(settings, environ={})


def test_secrets_never_show_in_a_repr(settings: Settings) -> None:
    secrets = load_secrets(settings, environ={})
    assert not any(value in repr(secrets) or value in str(secrets) for value in secrets.values())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("192.168.1.10", False), ("bank.example", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("secret", "weak"),
    [(ONCE_SHIPPED[0], True), (ONCE_SHIPPED[1], True), ("x" * 31, True), ("x" * 32, False), (STRONG, False)],
)
def test_weak_secrets(secret: str, weak: bool) -> None:
    secrets = Secrets(service_token=secret, rasa_token=STRONG, actions_token=STRONG, redis_password=STRONG)  # type: ignore[arg-type]
    assert weak_secrets(secrets) == (["TANDEM_SERVICE_TOKEN"] if weak else [])


@pytest.mark.parametrize(
    ("listener", "secret", "refused"),
    [
        ({}, ONCE_SHIPPED[1], False),  # a developer's machine: everything on loopback
        ({"TANDEM_GATEWAY__HOST": "0.0.0.0"}, ONCE_SHIPPED[1], True),
        ({"TANDEM_VOICE__HOST": "192.168.1.10"}, ONCE_SHIPPED[1], True),
        ({"TANDEM_RASA__URL": "http://10.0.0.5:5005"}, ONCE_SHIPPED[1], True),
        ({"TANDEM_GATEWAY__INTERNAL_HOST": "10.0.0.2"}, ONCE_SHIPPED[1], True),  # for remote voice workers
        ({"TANDEM_GATEWAY__HOST": "0.0.0.0"}, STRONG, False),
        ({"TANDEM_GATEWAY__HOST": "0.0.0.0"}, None, False),  # generated: strong
    ],
)
def test_a_weak_secret_is_refused_beyond_loopback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    listener: dict[str, str],
    secret: str | None,
    refused: bool,
) -> None:
    config = write_isolated_config(tmp_path)
    for name, value in listener.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(config)
    assert bool(exposed_listeners(settings)) == bool(listener)
    environ = {"TANDEM_SERVICE_TOKEN": secret} if secret else {}
    if refused:
        with pytest.raises(InsecureSecrets, match="TANDEM_SERVICE_TOKEN") as caught:
            load_secrets(settings, environ=environ)
        assert secret not in str(caught.value)
    else:
        load_secrets(settings, environ=environ)


def test_settings_come_from_the_environment_over_config_yml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_isolated_config(tmp_path)
    monkeypatch.setenv("TANDEM_GATEWAY__PORT", "8443")
    monkeypatch.setenv("TANDEM_VOICE__ENDPOINTING__PAUSE_MS", "250")
    monkeypatch.setenv("TANDEM_BANK_NAME", "Southwind Bank")
    settings = load_settings(config)
    assert settings.gateway.port == 8443 and settings.voice.endpointing.pause_ms == 250
    assert settings.bank_name == "Southwind Bank"
    assert settings.gateway.max_message_bytes == 4096  # the rest of the section still from config.yml
    monkeypatch.setenv("TANDEM_GATEWAY__PORT", "eighty")
    with pytest.raises(ValidationError, match=r"gateway\.port"):
        load_settings(config)


def test_a_secret_in_config_yml_is_refused(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["gateway"]["service_token"] = ONCE_SHIPPED[1]
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValidationError, match="service_token"):
        load_settings(config)


def test_the_gateway_refuses_to_start_with_a_shipped_secret_beyond_loopback(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    port = load_settings(config).gateway.port
    env = {
        **os.environ,
        "TANDEM_CONFIG": str(config),
        "PYTHONPATH": str(REPO_ROOT),
        "TANDEM_GATEWAY__HOST": "0.0.0.0",
        "TANDEM_SERVICE_TOKEN": ONCE_SHIPPED[1],
    }
    gateway = subprocess.Popen(
        [sys.executable, "-m", "tandem", "serve"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = gateway.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        gateway.kill()
        output, _ = gateway.communicate()
        pytest.fail(f"the gateway started on 0.0.0.0:{port} with the shipped service token: {output[-500:]}")
    assert gateway.returncode != 0
    assert "Refusing to start" in output and "TANDEM_SERVICE_TOKEN" in output
    assert ONCE_SHIPPED[1] not in output
