"""SipEndpoint: the SIP layer's front door, used from the application's asyncio loop.

One per process (pjsua2 has one library instance). Each answered incoming call runs the
application's handler as its own asyncio task: the call lives while the handler runs and is hung up
when it returns or raises, and an exception is logged without touching any other call.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType

from voice_gateway.sip.config import EndpointConfig
from voice_gateway.sip.core import SipCore
from voice_gateway.sip.events import RegistrationState
from voice_gateway.sip.session import CallFailed, CallSession

log = logging.getLogger(__name__)

CallHandler = Callable[[CallSession], Awaitable[None]]

_ONE_PER_PROCESS = threading.Lock()


class SipEndpoint:
    """Answers and places calls; see session.py for the per-call threading contract.

    ``on_call(session)`` is awaited on the loop for every answered incoming call. ``on_registration``
    (optional) is called on the loop with every REGISTER outcome of the registered account.
    Usage::

        async with SipEndpoint(EndpointConfig(port=5060), on_call=handle):
            await stop_requested.wait()
    """

    def __init__(
        self,
        config: EndpointConfig,
        on_call: CallHandler,
        *,
        on_registration: Callable[[RegistrationState], None] | None = None,
    ) -> None:
        self.config = config
        self._on_call = on_call
        self._on_registration = on_registration
        self._core: SipCore | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> SipEndpoint:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def active_calls(self) -> int:
        return self._core.active_calls if self._core is not None else 0

    @property
    def codecs(self) -> list[str]:
        """The codecs enabled, most preferred first (e.g. ['PCMU/8000/1', 'PCMA/8000/1', 'G722/16000/1'])."""
        return list(self._core.codecs) if self._core is not None else []

    async def start(self) -> None:
        """Bind the transports and create the accounts; raises if that fails (e.g. the port is taken)."""
        if not _ONE_PER_PROCESS.acquire(blocking=False):
            raise RuntimeError("a SipEndpoint is already running in this process (pjsua2 allows one)")
        loop = asyncio.get_running_loop()
        core = SipCore(self.config, loop, self._start_handler, self._on_registration)
        try:
            await loop.run_in_executor(None, core.start)
        except BaseException:
            _ONE_PER_PROCESS.release()
            raise
        self._core = core

    async def stop(self) -> None:
        """Hang up every call, release everything, destroy the library; then let the handlers finish."""
        core, self._core = self._core, None
        if core is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(None, core.stop)
        finally:
            _ONE_PER_PROCESS.release()
        if self._handlers:
            _, pending = await asyncio.wait(self._handlers, timeout=self.config.shutdown_timeout_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def call(self, uri: str, *, timeout_s: float = 30.0) -> CallSession:
        """Dial a SIP URI; returns the session once answered, raises CallFailed otherwise.

        The caller owns the session: hang it up when done (stop() hangs up what is left).
        """
        core = self._require_core()
        session = await core.run(lambda: core.make_call(uri))
        try:
            return await asyncio.wait_for(session.answered(), timeout_s)
        except TimeoutError:
            await session.hangup(487)
            raise CallFailed(408, f"no answer within {timeout_s} s") from None
        except asyncio.CancelledError:  # nobody wants it any more: stop the ringing, free the call slot
            await asyncio.shield(session.hangup(487))
            raise

    def _require_core(self) -> SipCore:
        if self._core is None:
            raise RuntimeError("the endpoint is not running")
        return self._core

    def _start_handler(self, session: CallSession) -> None:
        task = asyncio.get_running_loop().create_task(
            self._run_handler(session), name=f"sip-call-{session.sip_call_id}"
        )
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _run_handler(self, session: CallSession) -> None:
        try:
            await self._on_call(session)
        except Exception:
            log.exception("call handler failed for %r", session)
        finally:
            if session.connected:
                try:
                    await session.hangup()
                except Exception:  # the endpoint is stopping: the call ends with it
                    log.debug("hangup after handler of %r failed", session, exc_info=True)
