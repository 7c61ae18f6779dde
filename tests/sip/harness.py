"""Running the SIP tests' processes: the echo app, the test phone, SIPp, baresip; free loopback ports.

Every pjsua2 instance runs in its own process (pjsua2 allows one per process, and a crash must
fail one test, not the suite). Children print JSON lines; a reader thread collects them so a test
can wait for an event with a timeout instead of sleeping.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tandem.isolated import free_port, rtp_base
from voice_gateway.dispatcher.kamailio import UP_MESSAGE, KamailioDispatcher, find_kamailio

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
PYTHON = sys.executable


class Proc:
    """A child process; stdout JSON lines become events, stderr goes to a log file for diagnosis."""

    def __init__(self, name: str, args: list[str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.stderr_path = log_dir / f"{name}.stderr"
        self.stdout_path = log_dir / f"{name}.stdout"
        self.events: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self._stderr = self.stderr_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL
        )
        self._reader = threading.Thread(target=self._read, name=f"read-{name}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _read(self) -> None:
        assert self.popen.stdout is not None
        with self.stdout_path.open("wb") as copy:
            for raw in self.popen.stdout:
                copy.write(raw)
                line = raw.decode(errors="replace").strip()
                if line.startswith("{"):
                    try:
                        event = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    with self._changed:
                        self.events.append(event)
                        self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def all(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        with self._changed:
            return [
                e
                for e in self.events
                if e.get("event") == kind and all(e.get(k) == v for k, v in match.items())
            ]

    def wait_for(self, kind: str, timeout: float = 15.0, count: int = 1, **match: Any) -> dict[str, Any]:
        """The count-th event of that kind (matching fields); fails with the process's output if it never comes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    e
                    for e in self.events
                    if e.get("event") == kind and all(e.get(k) == v for k, v in match.items())
                ]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.popen.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        f"{self.name}: no {kind} {match} (x{count}) within {timeout} s\n{self.describe()}"
                    )
                self._changed.wait(min(remaining, 0.2))

    def wait(self, timeout: float) -> int:
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still running after {timeout} s\n{self.describe()}") from None
        self._reader.join(5)
        self._stderr.close()
        return code

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM (the clean stop path), then wait; kills and fails if it hangs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        finally:
            if self.popen.poll() is None:
                self.popen.kill()
                self.popen.wait()

    def describe(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        err = self.stderr_path.read_text(errors="replace")[-3000:] if self.stderr_path.exists() else ""
        return (
            f"$ {' '.join(self.args)}\nexit={self.popen.poll()}\nevents={self.events[-20:]}\nstderr:\n{err}"
        )

    def fd_count(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def thread_count(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def udp_sockets(self) -> list[tuple[str, int]]:
        """(address, port) of every UDP socket the process holds, from /proc (no ss/netstat needed)."""
        inodes = set()
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{self.pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        bound = []
        for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                address, port = fields[1].split(":")
                bound.append((socket.inet_ntoa(bytes.fromhex(address)[::-1]), int(port, 16)))
        return bound


class EchoApp(Proc):
    """tests/sip/echo_app.py on a free port; ready once it printed its ready event."""

    def __init__(self, log_dir: Path, *args: str, name: str = "app", host: str = "127.0.0.1") -> None:
        self.port, self.rtp_port = free_port(), rtp_base()
        script = [PYTHON, str(HERE / "echo_app.py"), "--host", host, "--port", str(self.port)]
        super().__init__(
            name, [*script, "--rtp-port", str(self.rtp_port), "--rtp-port-count", "200", *args], log_dir
        )
        self.wait_for("ready", timeout=20)

    def uri(self, user: str = "tandem", transport: str = "udp") -> str:
        suffix = ";transport=tcp" if transport == "tcp" else ""
        return f"sip:{user}@127.0.0.1:{self.port}{suffix}"


@contextmanager
def echo_app(log_dir: Path, *args: str, name: str = "app", host: str = "127.0.0.1") -> Iterator[EchoApp]:
    """The app for the duration of a test; it must then stop cleanly (exit 0, nothing left running)."""
    app = EchoApp(log_dir, *args, name=name, host=host)
    try:
        yield app
    finally:
        code = app.terminate()
    assert code == 0, f"app exit code {code}\n{app.describe()}"
    assert app.all("stopped"), app.describe()


def phone(log_dir: Path, *args: str, name: str = "caller") -> Proc:
    """Start tests/sip/caller.py (a URI to call, or --answer)."""
    return Proc(name, [PYTHON, str(HERE / "caller.py"), "--rtp-port", str(rtp_base()), *args], log_dir)


def finished_phone(log_dir: Path, *args: str, name: str = "caller", timeout: float = 30.0) -> Proc:
    """Run the test phone to the end and require a clean exit after a call with media."""
    proc = phone(log_dir, *args, name=name)
    code = proc.wait(timeout)
    assert code == 0, f"{name} exit code {code}\n{proc.describe()}"
    return proc


def sipp(
    log_dir: Path,
    scenario: str,
    port: int,
    *extra: str,
    name: str = "sipp",
    timeout: float = 60.0,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run a SIPp client scenario from tests/sip/scenarios against 127.0.0.1:port; returns when SIPp exits.

    SIPp exits 0 when every call completed its scenario, 1 when some failed.
    """
    errors = log_dir / f"{name}_errors.log"
    args = [
        "sipp",
        f"127.0.0.1:{port}",
        "-sf",
        str(SCENARIOS / scenario),
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port()),
        "-mi",
        "127.0.0.1",
        "-mp",
        str(rtp_base()),
        "-nostdin",
        "-trace_err",
        "-error_file",
        str(errors),
        "-timeout",
        f"{int(timeout)}s",
        "-timeout_error",
        *extra,
    ]
    with (log_dir / f"{name}.stdout").open("wb") as out:
        return subprocess.run(
            args, cwd=cwd or log_dir, stdout=out, stderr=subprocess.STDOUT, timeout=timeout + 30, check=False
        )


def sipp_errors(log_dir: Path, name: str = "sipp") -> str:
    path = log_dir / f"{name}_errors.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class Registrar:
    """SIPp running tests/sip/scenarios/registrar.xml: digest auth, grants the expiry asked for."""

    def __init__(self, log_dir: Path, port: int, transport: str, user: str, password: str) -> None:
        self.log_dir, self.port, self.transport = log_dir, port, transport
        self.user, self.password = user, password
        self.starts = 0
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"sip:127.0.0.1:{self.port}" + (";transport=tcp" if self.transport == "tcp" else "")

    def start(self) -> None:
        self.starts += 1
        name = f"registrar{self.starts}"
        args = [
            "sipp",
            "-sf",
            str(SCENARIOS / "registrar.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-t",
            "t1" if self.transport == "tcp" else "u1",
            "-key",
            "user",
            self.user,
            "-key",
            "password",
            self.password,
            "-nostdin",
            "-trace_msg",
            "-message_file",
            str(self.log_dir / f"{name}_messages.log"),
        ]
        with (self.log_dir / f"{name}.stdout").open("wb") as out:
            self.popen = subprocess.Popen(
                args, cwd=self.log_dir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        time.sleep(0.3)
        assert self.popen.poll() is None, (self.log_dir / f"{name}.stdout").read_text(errors="replace")[
            -2000:
        ]

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


@contextmanager
def registrar(
    log_dir: Path, transport: str = "udp", user: str = "1001", password: str = "secret"
) -> Iterator[Registrar]:
    server = Registrar(log_dir, free_port(), transport, user, password)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Dispatcher:
    """kamailio with the voice gateway's dispatcher config in front of the given SIP ports (on 127.0.0.1,
    or (address, port) for a worker elsewhere)."""

    def __init__(self, log_dir: Path, workers: list[int | tuple[str, int]], port: int | None = None) -> None:
        self.port = port or free_port()
        self.config = KamailioDispatcher(
            find_kamailio() or "kamailio",
            "127.0.0.1",
            self.port,
            [w if isinstance(w, tuple) else ("127.0.0.1", w) for w in workers],
            log_dir / "dispatcher",
        )
        self.log_path = log_dir / "dispatcher.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                self.config.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # kamailio's own children go with it
            )

    def uri(self, user: str = "tandem") -> str:
        return f"sip:{user}@127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, count: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"kamailio: no {text!r} (x{count}) within {timeout} s\n{self.log()[-3000:]}"
                )
            time.sleep(0.1)

    def wait_up(self, worker: int | tuple[str, int], count: int = 1) -> None:
        host, port = worker if isinstance(worker, tuple) else ("127.0.0.1", worker)
        self.wait_for(f"{UP_MESSAGE} sip:{host}:{port}", count)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


@contextmanager
def dispatcher(
    log_dir: Path, workers: list[int | tuple[str, int]], port: int | None = None
) -> Iterator[Dispatcher]:
    """kamailio dispatching to those workers, once it has seen every one of them answer a probe."""
    running = Dispatcher(log_dir, workers, port)
    try:
        for worker in workers:
            running.wait_up(worker)
        yield running
    finally:
        running.stop()


class SippSink:
    """A SIPp UAS (its built-in ``uas`` scenario) on a free port, tracing every message it receives.

    Stands in for a number an attacker would like the gateway to call: nothing may reach it.
    """

    def __init__(self, log_dir: Path, name: str = "sink") -> None:
        self.port = free_port()
        self.messages = log_dir / f"{name}_messages.log"
        args = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(self.port), "-nostdin"]
        args += ["-trace_msg", "-message_file", str(self.messages)]
        with (log_dir / f"{name}.stdout").open("wb") as out:
            self.popen = subprocess.Popen(
                args, cwd=log_dir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        time.sleep(0.3)
        assert self.popen.poll() is None, (log_dir / f"{name}.stdout").read_text(errors="replace")

    def trace(self) -> str:
        """SIPp's trace: a 'message received' entry for every SIP message that reached the sink."""
        return self.messages.read_text(errors="replace") if self.messages.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


@contextmanager
def sipp_sink(log_dir: Path, name: str = "sink") -> Iterator[SippSink]:
    sink = SippSink(log_dir, name)
    try:
        yield sink
    finally:
        sink.stop()
