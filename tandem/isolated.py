"""A throw-away copy of config.yml with its own data folder and free loopback ports.

Tests and benchmarks run whole stacks with it, beside a developer's running stack.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import yaml

from tandem.config import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_isolated_config(root: Path, gateway: dict[str, Any] | None = None) -> Path:
    raw = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    tandem = raw["tandem"]
    tandem["data_dir"] = str(root)
    tandem["store_url"] = f"sqlite+aiosqlite:///{root / 'tandem.sqlite'}"
    tandem["bank_db_path"] = str(root / "bank.sqlite")
    tandem["rasa"]["url"] = f"http://127.0.0.1:{free_port()}"
    tandem["actions"]["url"] = f"http://127.0.0.1:{free_port()}"
    tandem["gateway"]["port"] = free_port()
    tandem["gateway"].update(gateway or {})
    tandem["knowledge"]["index_dir"] = str(root / "knowledge_index")
    path = root / "config.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path
