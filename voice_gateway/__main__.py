"""`python -m voice_gateway`: run the SIP voice gateway from config.yml (TANDEM_CONFIG), until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal

from tandem.config import settings
from tandem.logs import configure_logging
from voice_gateway.app import serve


async def _main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings(), stop)


def main() -> None:
    configure_logging(os.environ.get("TANDEM_LOG_LEVEL", "INFO"))
    asyncio.run(_main())


if __name__ == "__main__":
    main()
