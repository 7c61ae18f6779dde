"""A throw-away copy of config.yml with its own data folder and free loopback ports.

Tests and benchmarks run whole stacks with it, beside a developer's running stack.
"""

from __future__ import annotations

import random
import shutil
import socket
from pathlib import Path
from typing import Any

import yaml

from tandem.config import REPO_ROOT, load_settings
from tandem.launcher import prepare
from tandem.processes import Stack
from tandem.secrets import load_secrets
from tandem.training import ensure_model

# Ports are chosen here and bound later, sometimes a minute later (a stack's config is written before
# its model is trained). Below Linux's range for outgoing connections' source ports (32768-60999) and
# rtp_base's range, no connection or call can take one meanwhile; each is handed out once per process.
# Less the ports Chromium refuses to open (net::ERR_UNSAFE_PORT), so a browser test can reach any stack.
CHROMIUM_UNSAFE = frozenset({10080})
PORTS = [port for port in range(10000, 20000) if port not in CHROMIUM_UNSAFE]
_handed_out: set[int] = set()


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both with one number)."""
    for _ in range(200):
        port = random.choice(PORTS)
        if port not in _handed_out and _free(port, socket.SOCK_DGRAM) and _free(port, socket.SOCK_STREAM):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def free_consecutive_ports(count: int) -> int:
    """The first of count consecutive TCP ports free on 127.0.0.1 (Rasa worker i listens on base + i)."""
    for _ in range(50):
        base = free_port()
        if all(
            base + i not in _handed_out
            and base + i not in CHROMIUM_UNSAFE
            and _free(base + i, socket.SOCK_STREAM)
            for i in range(1, count)
        ):
            _handed_out.update(range(base, base + count))
            return base
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def _free(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def rtp_base() -> int:
    """A random even RTP base; pjsua skips ports in use, the randomness just avoids crowding."""
    return random.randrange(20000, 58000, 2)


def write_isolated_config(root: Path, gateway: dict[str, Any] | None = None) -> Path:
    raw = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    tandem = raw["tandem"]
    tandem["data_dir"] = str(root)
    tandem["store_url"] = f"sqlite+aiosqlite:///{root / 'tandem.sqlite'}"
    tandem["bank_db_path"] = str(root / "bank.sqlite")
    workers = int(tandem["rasa"].get("workers", 1))
    tandem["rasa"]["url"] = f"http://127.0.0.1:{free_consecutive_ports(workers)}"
    tandem["actions"]["url"] = f"http://127.0.0.1:{free_port()}"
    tandem["gateway"]["port"] = free_port()
    tandem["gateway"]["internal_port"] = free_port()
    tandem["gateway"].update(gateway or {})
    tandem["knowledge"]["index_dir"] = str(root / "knowledge_index")
    tandem["voice"]["port"] = free_port()
    tandem["voice"]["rtp_port"] = rtp_base()
    # The designer's labels and new intents go into copies: a test never changes the repository's files.
    shutil.copytree(REPO_ROOT / "training_data" / "nlu", root / "training_nlu", dirs_exist_ok=True)
    shutil.copytree(REPO_ROOT / "bot" / "domain", root / "domain", dirs_exist_ok=True)
    tandem["workbench"] = {"training_data": str(root / "training_nlu"), "domain": str(root / "domain")}
    # Articles too: the knowledge gaps write drafts and sample questions into them.
    shutil.copytree(REPO_ROOT / "training_data" / "knowledge", root / "knowledge", dirs_exist_ok=True)
    tandem["knowledge"]["articles_dir"] = str(root / "knowledge")
    path = root / "config.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def isolate_cluster(config_path: Path, gateways: int = 2, store_url: str | None = None) -> None:
    """Make a throw-away config a cluster on free ports: its own Redis (started with the stack, its
    password the stack's TANDEM_REDIS_PASSWORD) and `gateways` gateways behind HAProxy, which takes
    the config's gateway.port and internal_port. store_url: e.g. a PostgreSQL database of the test's."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    tandem = raw["tandem"]
    tandem["cluster"] = {
        "redis_url": f"redis://127.0.0.1:{free_port()}/0",
        "gateways": gateways,
        "gateway_ports_from": free_consecutive_ports(2 * gateways),
        "start_services": True,
    }
    if store_url is not None:
        tandem["store_url"] = store_url
    config_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")


def _seed_index(index_dir: Path) -> None:
    """Start from the repository's own index, so thousands of customer questions are embedded once
    per machine rather than once per throw-away stack; prepare() then only adds what changed."""
    from knowledge_index.builder import build_configured

    repo = load_settings(REPO_ROOT / "config.yml")
    build_configured(repo)
    if not index_dir.exists():
        shutil.copytree(repo.resolve(repo.knowledge.index_dir), index_dir)


def prepared_stack(config_path: Path) -> Stack:
    """A stack for a throw-away config, ready to start: bank seeded, index built, model trained if needed.

    The model is the repository's (same Rasa part of config.yml), cached under models/ by fingerprint.
    Its secrets are its own, generated in its data folder, unless the environment sets them.
    """
    settings = load_settings(config_path)
    secrets = load_secrets(settings)
    _seed_index(settings.resolve(settings.knowledge.index_dir))
    prepare(settings)
    model = ensure_model(REPO_ROOT / "config.yml", REPO_ROOT / "var" / "logs" / "train.log")
    return Stack(settings, config_path, model, secrets)
