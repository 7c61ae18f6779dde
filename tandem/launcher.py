"""`python -m tandem up`: seed the demo bank, build the knowledge index, train if needed, run everything.
`python -m tandem up --cluster`: the same as a cluster on this machine (tandem/profiles.py).

A process that dies is started again (tandem/restart_policy.py); one that keeps dying stops the stack.
Ctrl-C (or SIGTERM) stops the gateway, Rasa and the action server, in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from types import FrameType

from tandem.config import Settings, config_path, settings
from tandem.processes import Stack
from tandem.profiles import cluster_profile
from tandem.secrets import load_secrets
from tandem.training import ensure_model

log = logging.getLogger(__name__)


def prepare(s: Settings) -> None:
    """Everything the servers need on disk; each step is incremental, so a warm run is quick."""
    from bot.bank import seed_if_empty
    from handoff.accounts import seed_demo_floor
    from knowledge_index.builder import build_configured

    seed_if_empty(s.resolve(s.bank_db_path))
    report = build_configured(s, progress=True)
    log.info("knowledge index ready", extra={"report": str(report)})
    accounts = asyncio.run(seed_demo_floor(s))
    if accounts:
        log.info("demo desk accounts created", extra={"path": str(accounts)})


def run_stack(cluster: bool = False) -> int:
    """cluster: the cluster profile (tandem/profiles.py): PostgreSQL, Redis, HAProxy, two gateways."""
    with cluster_profile() if cluster else contextlib.nullcontext():
        return _run(time.monotonic())


def _run(started: float) -> int:
    s = settings()
    secrets = load_secrets(s)  # first, so weak secrets stop the start before any work
    prepare(s)
    model = ensure_model(config_path(), s.resolve(s.data_dir) / "logs" / "train.log")
    stack = Stack(s, config_path(), model, secrets)
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
        ready_s = time.monotonic() - started
        print(
            f"\nTandem is ready in {ready_s:.0f} s.\n"
            f"  Chat page:  {stack.gateway_url}/\n"
            f"  Agent desk: {stack.gateway_url}/desk  (demo accounts: {s.resolve(s.data_dir) / 'desk-accounts.txt'})\n"
            f"  Supervisor: {stack.gateway_url}/desk/supervisor\n"
            f"  Health:     {stack.gateway_url}/health\n"
            f"  Metrics:    {stack.gateway_url}/metrics\n"
            f"  OpenAPI:    {stack.gateway_url}/openapi.json\n"
            f"  Internal:   {stack.internal_url}  (loopback only: the service API for the voice gateway)\n"
            f"  Gateways:   {_gateways(s)}\n"
            f"  Rasa:       {s.rasa.url} ({s.rasa.workers} worker{'s' if s.rasa.workers > 1 else ''})\n"
            f"  Phone:      {stack.voice_summary()}\n"
            f"Logs in {s.resolve(s.data_dir) / 'logs'}. Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not stopping.wait(1.0):
            if (process := stack.check()) is not None:
                log.error(
                    "%s keeps dying (exit %s, %d restarts lately); stopping: see %s",
                    process.name, process.exited(), len(process.restart_times), process.log_path,
                )  # fmt: skip
                return 1
        return 0
    finally:
        print("Stopping…", flush=True)
        stack.stop()


def _gateways(s: Settings) -> str:
    store = s.store_url.split(":", 1)[0].split("+", 1)[0]
    if not s.cluster.enabled:
        return f"one process; store {store}"
    return (
        f"{s.cluster.gateways} processes behind HAProxy, sharing Redis ({s.cluster.redis_url}); store {store}"
    )
