"""HAProxy in front of a cluster's gateways (cluster.gateways): Debian's binary in the foreground, with a
config written at every start under <data_dir>/haproxy/ (mode 0600: with TLS it holds the key).

Two frontends, like one gateway's two listeners: the public one on gateway.host:port, and the internal
site on gateway.internal_host:internal_port for Tandem's own processes; each goes to the gateways'
matching listeners only, so the service API never becomes reachable from the public side.

A conversation's requests and its socket all go to one gateway (a consistent hash of its id), so its
messages are handled in order. The designer's workbench API goes to one gateway too (a constant key): a
training run, the models it made and the training files it reads are that gateway's (workbench/trainer.py),
so every designer sees the same run and one run goes on at a time. Other requests are spread round robin.
A gateway that stops answering is out within about a second (two failed checks 500 ms apart), and a
request that could not reach it is sent to another one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tandem.config import GatewaySettings
from tandem.private_files import write_private

HAPROXY = Path("/usr/sbin/haproxy")
CONFIG_FILE = "haproxy.cfg"
TLS_BUNDLE = "gateway.pem"
# The gateways' liveness: the process answers, whatever Rasa does (tandem/web_ops.py).
CHECK_PATH = "/health/live"


@dataclass(frozen=True, slots=True)
class Backend:
    """One gateway process: its name and its two loopback ports."""

    name: str
    port: int
    internal_port: int


@dataclass(frozen=True, slots=True)
class HaproxyPlan:
    folder: Path

    @property
    def config_path(self) -> Path:
        return self.folder / CONFIG_FILE

    def command(self) -> list[str]:
        # -db: foreground, no daemon; the launcher supervises it like any other child.
        return [str(HAPROXY), "-db", "-f", str(self.config_path)]

    def check_command(self) -> list[str]:
        return [str(HAPROXY), "-c", "-q", "-f", str(self.config_path)]


def _servers(backends: Sequence[Backend], internal: bool, tls: bool) -> list[str]:
    # The same ids on both sides put one conversation on the same gateway for both (the hash ring
    # depends on the servers' ids and weights only).
    options = " ssl verify none" if tls and not internal else ""
    return [
        f"    server {b.name} 127.0.0.1:{b.internal_port if internal else b.port} id {i} check{options}"
        for i, b in enumerate(backends, start=1)
    ]


def render(gateway: GatewaySettings, backends: Sequence[Backend], tls_bundle: Path | None) -> str:
    """haproxy.cfg. With a TLS bundle, HAProxy serves HTTPS on the public frontend and speaks TLS to the
    gateways too (they keep their own certificate on loopback, and set Secure cookies as they do alone;
    loopback needs no verification)."""
    tls = tls_bundle is not None
    bind_tls = f" ssl crt {tls_bundle}" if tls else ""
    return "\n".join(
        [
            "# Written by Tandem (tandem/haproxy.py) at every start; edits are lost.",
            "global",
            # No access log, whose URLs would hold customers' knowledge searches: in the foreground
            # HAProxy writes its warnings (a gateway going down or coming up) to the launcher's log.
            "    nbthread 1",  # two cores are for Rasa and the gateways; one thread carries thousands
            "    maxconn 4096",
            "",
            "defaults",
            "    mode http",
            "    timeout connect 2s",
            "    timeout client 60s",
            "    timeout server 30s",
            "    timeout http-request 10s",
            "    timeout http-keep-alive 10s",
            "    timeout queue 5s",
            "    timeout check 1s",
            # A WebSocket (the chat's and the desk's) idles much longer than a request.
            "    timeout tunnel 1h",
            "    timeout client-fin 5s",
            "    retries 2",
            "    option redispatch",
            "    retry-on conn-failure empty-response response-timeout",
            f"    option httpchk GET {CHECK_PATH}",
            "    http-check expect status 200",
            "    default-server inter 500 fall 2 rise 2",
            "",
            "frontend public",
            f"    bind {gateway.host}:{gateway.port}{bind_tls}",
            "    default_backend gateways_public",
            "",
            "frontend internal",
            f"    bind {gateway.internal_host}:{gateway.internal_port}",
            "    default_backend gateways_internal",
            "",
            "backend gateways_public",
            # The gateways believe this X-Forwarded-For from 127.0.0.1 (gateway.trusted_proxies), so
            # per-address limits see the real client.
            "    option forwardfor",
            *_balance(),
            *_servers(backends, internal=False, tls=tls),
            "",
            "backend gateways_internal",
            *_balance(),
            "    http-request set-var(txn.affinity) path,field(5,/) "
            "if { path_beg /api/internal/conversations/ }",  # /api/internal/conversations/{id}/...
            *_servers(backends, internal=True, tls=tls),
            "",
        ]
    )


def _balance() -> list[str]:
    return [
        "    balance hash var(txn.affinity)",
        "    hash-type consistent",
        # A message may already be stored when its gateway died answering: only a GET is repeated on
        # another gateway after it reached one; anything may be retried when it never got through.
        "    http-request disable-l7-retry if !METH_GET",
        # /api/conversations/{id}/...: the id is the 4th field of the path split at "/".
        "    http-request set-var(txn.affinity) path,field(4,/) if { path_beg /api/conversations/ }",
        "    http-request set-var(txn.affinity) str(workbench) if { path_beg /api/designer/ }",
    ]


def write_config(
    folder: Path, gateway: GatewaySettings, backends: Sequence[Backend], tls: tuple[Path, Path] | None
) -> HaproxyPlan:
    """tls: the public listener's certificate chain and key (resolved gateway.tls_cert, tls_key)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    plan = HaproxyPlan(folder)
    bundle = None
    if tls is not None:
        # HAProxy 2.6 takes the certificate chain and its key from one file.
        bundle = folder / TLS_BUNDLE
        cert, key = tls
        chain = cert.read_text(encoding="utf-8").rstrip() + "\n"
        write_private(bundle, chain + key.read_text(encoding="utf-8"))
    write_private(plan.config_path, render(gateway, backends, bundle))
    return plan
