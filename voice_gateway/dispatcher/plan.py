"""Which voice gateway processes to run, on which ports, and whether kamailio goes in front of them.

Imported by the launcher (tandem/processes.py), so nothing here loads pjsua2 or a model.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from tandem.config import VoiceSettings
from voice_gateway.dispatcher.kamailio import KamailioDispatcher, find_kamailio

log = logging.getLogger(__name__)

# voice_gateway.sip.config.PJSUA_MAX_CALLS (not imported here: that package loads pjsua2).
CALLS_PER_PROCESS = 4


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """One voice gateway process: its SIP port and its slice of the RTP port range."""

    index: int  # 1-based; worker 1 is the one that registers, if anything does
    name: str
    sip_port: int
    rtp_port: int
    rtp_port_count: int
    # host:port of the dispatcher in front of it (its address is what a registrar gets as Contact).
    dispatcher: str | None = None

    def args(self) -> list[str]:
        """Command-line arguments of `python -m voice_gateway` for this worker."""
        args = ["--index", str(self.index), "--sip-port", str(self.sip_port)]
        args += ["--rtp-port", str(self.rtp_port), "--rtp-port-count", str(self.rtp_port_count)]
        return args + (["--dispatcher", self.dispatcher] if self.dispatcher else [])


@dataclass(frozen=True, slots=True)
class VoicePlan:
    public_uri: str  # what callers dial
    workers: tuple[WorkerPlan, ...]  # the ones this machine runs
    dispatcher: KamailioDispatcher | None
    # Why fewer processes run than configured (kamailio missing), for the launcher to print.
    note: str | None = None
    remote_workers: tuple[str, ...] = ()  # address:port of workers other machines run

    @property
    def max_calls(self) -> int:
        return CALLS_PER_PROCESS * (len(self.workers) + len(self.remote_workers))


def plan_voice(voice: VoiceSettings, data_dir: Path, kamailio: str | None = None) -> VoicePlan:
    """The processes for voice.processes; kamailio is the binary (default: the installed one; "": none)."""
    public_uri = f"sip:tandem@{voice.host}:{voice.port}"
    single = WorkerPlan(1, "voice", voice.port, voice.rtp_port, voice.rtp_port_count)
    if voice.processes == 1 and not voice.remote_workers:
        return VoicePlan(public_uri, (single,), None)
    binary = find_kamailio() if kamailio is None else kamailio or None
    if binary is None:
        note = (
            f"voice.processes is {voice.processes} with {len(voice.remote_workers)} remote workers, but "
            "kamailio is not installed (apt-get install kamailio): running one voice process, at most 4 calls"
        )
        log.warning(note)
        return VoicePlan(public_uri, (single,), None, note)
    count = voice.processes
    rtp_each = voice.rtp_port_count // count
    if rtp_each < 2 * CALLS_PER_PROCESS:
        raise ValueError(f"voice.rtp_port_count must give each of the {count} processes 8 ports")
    ports = (
        [voice.worker_port + i for i in range(count)]
        if voice.worker_port
        else free_sip_ports(voice.host, count, avoid={voice.port})
    )
    dispatcher = f"{voice.host}:{voice.port}"
    workers = tuple(
        WorkerPlan(i + 1, f"voice-{i + 1}", ports[i], voice.rtp_port + i * rtp_each, rtp_each, dispatcher)
        for i in range(count)
    )
    run_dir = data_dir / "dispatcher"
    targets = [(voice.host, worker.sip_port) for worker in workers]
    targets += [(host, int(port)) for host, _, port in (w.rpartition(":") for w in voice.remote_workers)]
    return VoicePlan(
        public_uri,
        workers,
        KamailioDispatcher(binary, voice.host, voice.port, targets, run_dir),
        remote_workers=voice.remote_workers,
    )


def free_sip_ports(host: str, count: int, avoid: set[int]) -> list[int]:
    """Ports free for both UDP and TCP on host (SIP listens on both with one number)."""
    found: list[int] = []
    for _ in range(50 * count):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
        if port not in avoid and port not in found:
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError(f"no {count} free SIP ports on {host}")
