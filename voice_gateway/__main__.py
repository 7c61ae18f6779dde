"""`python -m voice_gateway`: run the SIP voice gateway from config.yml (TANDEM_CONFIG), until SIGTERM or Ctrl-C.

Without options it listens on voice.host:voice.port. Behind the dispatcher (voice.processes > 1) the
stack starts each worker with its own ports (see voice_gateway/dispatcher/plan.py):

    python -m voice_gateway --index 2 --sip-port 5072 --rtp-port 40100 --rtp-port-count 100 \
        --dispatcher 127.0.0.1:5060
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from tandem.config import settings
from tandem.logs import configure_logging
from tandem.secrets import load_secrets
from voice_gateway.app import serve
from voice_gateway.dispatcher import WorkerPlan


def worker_plan(argv: list[str] | None = None) -> WorkerPlan | None:
    parser = argparse.ArgumentParser(prog="python -m voice_gateway")
    parser.add_argument("--index", type=int, help="worker number, from 1 (worker 1 registers)")
    parser.add_argument("--sip-port", type=int)
    parser.add_argument("--rtp-port", type=int)
    parser.add_argument("--rtp-port-count", type=int)
    parser.add_argument("--dispatcher", help="host:port of the SIP dispatcher in front of this worker")
    args = parser.parse_args(argv)
    if args.index is None:
        return None
    if None in (args.sip_port, args.rtp_port, args.rtp_port_count):
        parser.error("--index needs --sip-port, --rtp-port and --rtp-port-count")
    return WorkerPlan(
        args.index,
        f"voice-{args.index}",
        args.sip_port,
        args.rtp_port,
        args.rtp_port_count,
        args.dispatcher,
    )


async def _main(worker: WorkerPlan | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings(), load_secrets(settings()), stop, worker)


def main() -> None:
    worker = worker_plan()
    configure_logging(os.environ.get("TANDEM_LOG_LEVEL", "INFO"))
    asyncio.run(_main(worker))


if __name__ == "__main__":
    main()
