"""A private redis-server for a cluster stack (cluster.redis_url, cluster.start_services): Debian's
binary, a config file of its own under <data_dir>/redis/, listening on 127.0.0.1 only, with a password.
No system service is used; the launcher runs it like its other children and restarts it when it dies.

The password (TANDEM_REDIS_PASSWORD) goes into the config file, mode 0600, never on the command line:
`ps` shows command lines to every user of the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tandem.private_files import write_private
from tandem.secrets import is_loopback

REDIS_SERVER = Path("/usr/bin/redis-server")
CONFIG_FILE = "redis.conf"


@dataclass(frozen=True, slots=True)
class RedisPlan:
    folder: Path
    port: int

    @property
    def config_path(self) -> Path:
        return self.folder / CONFIG_FILE

    def command(self) -> list[str]:
        return [str(REDIS_SERVER), str(self.config_path)]


def redis_port(redis_url: str) -> int:
    """The port of a Redis this stack starts itself: its URL must name this machine's loopback."""
    parts = urlsplit(redis_url)
    if parts.scheme != "redis":
        raise ValueError(f"cluster.redis_url {parts.scheme}://…: a Redis Tandem starts speaks redis://")
    if not is_loopback(parts.hostname or ""):
        raise ValueError(
            f"cluster.redis_url names {parts.hostname}: the Redis Tandem starts listens on 127.0.0.1 only "
            "(set cluster.start_services: false for a Redis on another machine)"
        )
    return parts.port or 6379


def _quoted(value: str) -> str:
    """A double-quoted redis.conf string."""
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError("a redis.conf value cannot hold a line break")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(folder: Path, port: int, password: str) -> RedisPlan:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    plan = RedisPlan(folder, port)
    # Redis holds only what the gateways share while they run (live events, desks' presence,
    # conversation locks, the router's lease, rate-limit buckets): the store is the record of every
    # conversation. After a restart each of these is rebuilt or simply starts afresh, so nothing is
    # written to disk: no RDB snapshots (save ""), no append-only file, and no fsync stalls.
    write_private(
        plan.config_path,
        "\n".join(
            [
                "# Written by Tandem (tandem/redis_server.py) at every start; edits are lost.",
                "bind 127.0.0.1",
                f"port {port}",
                "protected-mode yes",
                f"requirepass {_quoted(password)}",
                f"dir {_quoted(str(folder))}",
                'save ""',
                "appendonly no",
                "daemonize no",
                'logfile ""',  # stdout: the launcher's log file for it
            ]
        )
        + "\n",
    )
    return plan
