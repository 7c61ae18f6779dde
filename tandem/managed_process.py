"""One child process of the stack: started in a session of its own, its output appended to its log,
stopped with its whole process group. tandem/processes.py builds and supervises the lot."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tandem.config import REPO_ROOT

GATEWAY_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


@dataclass
class ManagedProcess:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    # A loopback port the processes after this one need open (Redis's): Stack.start waits for it.
    ready_port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    restart_times: list[float] = field(default_factory=list)  # monotonic
    restart_at: float | None = None  # dead, and due to start again then

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as sink:
            # A new session per child, so Ctrl-C reaches us once and we stop children in order.
            self.process = subprocess.Popen(
                self.args,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout_s: float = 15.0) -> None:
        """Until ready_port accepts a connection (at once without one); raises if it exits or times out."""
        if self.ready_port is None:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.exited() is not None:
                raise RuntimeError(f"{self.name} exited with {self.exited()}; see {self.log_path}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.ready_port), 0.5):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not listening on {self.ready_port} after {timeout_s:.0f} s")

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def kill_leftovers(self) -> None:
        """Forked workers outlive a leader killed with SIGKILL and would hold its port: end the group."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # rasa_sdk and Sanic fork workers: signal the whole group.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
