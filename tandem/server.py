"""The gateway's two listeners on one application: the public one on gateway.host:port (HTTPS and WSS
when given a certificate), and the internal site on gateway.internal_host:internal_port (127.0.0.1 unless
voice workers run on other machines) for Tandem's own processes."""

from __future__ import annotations

import asyncio
import signal
import ssl

from aiohttp import web

from tandem.app import create_app
from tandem.config import Settings
from tandem.secrets import Secrets


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    gateway = settings.gateway
    if gateway.tls_cert is None or gateway.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.resolve(gateway.tls_cert), settings.resolve(gateway.tls_key))
    return context


async def serve(settings: Settings, secrets: Secrets) -> None:
    """Serve until SIGTERM or SIGINT, then close both listeners and the application's resources."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # A bad certificate or key stops the start here, before anything listens.
    context = tls_context(settings)
    runner = web.AppRunner(create_app(settings, secrets), handle_signals=False)
    await runner.setup()
    try:
        gateway = settings.gateway
        await web.TCPSite(runner, gateway.host, gateway.port, ssl_context=context).start()
        await web.TCPSite(runner, gateway.internal_host, gateway.internal_port).start()
        await stop.wait()
    finally:
        await runner.cleanup()
