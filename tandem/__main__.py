"""`python -m tandem serve`: run the gateway. `python -m tandem up`: run the whole stack (see launcher)."""

from __future__ import annotations

import argparse
import asyncio
import os

from tandem.config import settings
from tandem.logs import configure_logging
from tandem.secrets import InsecureSecrets, load_secrets


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tandem")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gateway only")
    up = sub.add_parser("up", help="prepare and run Rasa, the action server and the gateway")
    up.add_argument(
        "--cluster",
        action="store_true",
        help="as a cluster on this machine: PostgreSQL, Redis, HAProxy, 2 gateways, 2 Rasa workers",
    )
    args = parser.parse_args()
    configure_logging(os.environ.get("TANDEM_LOG_LEVEL", "INFO"))
    try:
        if args.command == "serve":
            from tandem.server import serve

            config = settings()
            asyncio.run(serve(config, load_secrets(config)))
        else:
            from tandem.launcher import run_stack

            raise SystemExit(run_stack(cluster=args.cluster))
    except InsecureSecrets as error:
        raise SystemExit(f"Refusing to start: {error}") from None


if __name__ == "__main__":
    main()
