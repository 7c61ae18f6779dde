"""`python -m tandem serve`: run the gateway. `python -m tandem up`: run the whole stack (see launcher)."""

from __future__ import annotations

import argparse
import os

from aiohttp import web

from tandem.config import settings
from tandem.logs import configure_logging


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tandem")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gateway only")
    sub.add_parser("up", help="prepare and run Rasa, the action server and the gateway")
    args = parser.parse_args()
    configure_logging(os.environ.get("TANDEM_LOG_LEVEL", "INFO"))
    if args.command == "serve":
        from tandem.app import create_app

        config = settings()
        web.run_app(create_app(config), host=config.gateway.host, port=config.gateway.port, print=None)
    else:
        from tandem.launcher import run_stack

        raise SystemExit(run_stack())


if __name__ == "__main__":
    main()
