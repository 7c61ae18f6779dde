"""kamailio as the voice gateway's SIP dispatcher: its config from kamailio.cfg, its command line.

kamailio runs in the foreground (-DD: no daemon, its own worker processes are children of the one
the stack started, in the same process group) and logs to stderr (-E), which the stack sends to
logs/dispatcher.log. Its config, destination list, pid file and runtime files live in run_dir.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE = Path(__file__).with_name("kamailio.cfg")
MAX_CALLS_PER_WORKER = 4  # pjsua2's PJSUA_MAX_CALLS; see voice_gateway/dispatcher/__init__.py
UP_MESSAGE = "dispatcher: voice gateway up"


def find_kamailio() -> str | None:
    """kamailio's binary: on the PATH, or where Debian puts it (/usr/sbin is not on every PATH)."""
    return shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin:/usr/local/sbin")


@dataclass(frozen=True)
class KamailioDispatcher:
    binary: str
    host: str
    port: int
    # (host, port) of each worker's SIP transport.
    workers: list[tuple[str, int]] = field(default_factory=list)
    run_dir: Path = Path("dispatcher")
    # Shared and per-process memory in MB: a few calls' transactions need very little.
    shared_mb: int = 32
    private_mb: int = 8

    @property
    def config_path(self) -> Path:
        return self.run_dir / "kamailio.cfg"

    @property
    def list_path(self) -> Path:
        return self.run_dir / "dispatcher.list"

    def destinations(self) -> str:
        """The dispatcher.list: set 1, every worker inactive until it answers a probe (flags 1 | 8)."""
        lines = ["# setid destination flags priority attributes (written by voice_gateway.dispatcher)"]
        for index, (host, port) in enumerate(self.workers, start=1):
            lines.append(f"1 sip:{host}:{port} 9 0 duid=voice-{index};maxload={MAX_CALLS_PER_WORKER}")
        return "\n".join(lines) + "\n"

    def config(self) -> str:
        values = {
            "HOST": self.host,
            "PORT": str(self.port),
            "LIST_FILE": str(self.list_path),
            "MAX_CALLS": str(MAX_CALLS_PER_WORKER),
        }
        text = TEMPLATE.read_text(encoding="utf-8")
        for name, value in values.items():
            text = text.replace(f"@@{name}@@", value)
        if "@@" in text:
            raise ValueError("kamailio.cfg has a placeholder without a value")
        return text

    def write(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.list_path.write_text(self.destinations(), encoding="utf-8")
        self.config_path.write_text(self.config(), encoding="utf-8")

    def command(self) -> list[str]:
        """Writes the config files, then returns the command that runs kamailio on them."""
        self.write()
        return [
            self.binary,
            "-f", str(self.config_path),
            "-DD", "-E",
            "-Y", str(self.run_dir),
            "-P", str(self.run_dir / "kamailio.pid"),
            "-w", str(self.run_dir),
            "-m", str(self.shared_mb),
            "-M", str(self.private_mb),
        ]  # fmt: skip
