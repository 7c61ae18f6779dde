"""The SIP-thread side of the endpoint: pjsua2's Endpoint, transports, accounts, call legs, ports.

Every method except start(), stop() and run() executes on the SIP thread (see sip_thread.py).

Shutdown follows the order that keeps pjsua2 from aborting: hang up and release every call, delete
the accounts (unregistering), stop the media clock (no frame callback can run any more), destroy
the ports, close the recordings, drop every remaining pjsua2 object, ``gc.collect()``, and only
then ``libDestroy()``. Any pjsua2 object still alive at libDestroy, or destroyed afterwards, or on
another thread, is what crashes processes.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pjsua2 as pj

from voice_gateway.sip.account import (
    RoutingEndpoint,
    SipAccount,
    contact_registration_config,
    direct_account_config,
    registered_account_config,
    tls_transport_config,
)
from voice_gateway.sip.call import CallLeg
from voice_gateway.sip.codecs import apply_codec_priorities
from voice_gateway.sip.config import EndpointConfig
from voice_gateway.sip.events import Direction, Initiator, Party, RegistrationState
from voice_gateway.sip.media_port import PortPool
from voice_gateway.sip.recording import RecordingWriter
from voice_gateway.sip.session import CallFailed, CallSession
from voice_gateway.sip.sip_thread import SipThread

log = logging.getLogger(__name__)

T = TypeVar("T")


class SipCore:
    """Owns all pjsua2 state; the asyncio side reaches it only through run() and loop callbacks."""

    def __init__(
        self,
        config: EndpointConfig,
        loop: asyncio.AbstractEventLoop,
        on_session: Callable[[CallSession], None],
        on_registration: Callable[[RegistrationState], None] | None,
    ) -> None:
        self.config = config
        self.loop = loop
        self.thread = SipThread()
        self.ports = PortPool()
        self.codecs: list[str] = []
        self._on_session = on_session
        self._on_registration = on_registration
        self._endpoint: RoutingEndpoint | None = None
        self._accounts: list[SipAccount] = []
        self._legs: set[CallLeg] = set()
        self._writer: RecordingWriter | None = None
        self._accepting = False

    # --- from the asyncio side -------------------------------------------------------------------

    def start(self) -> None:
        """Blocking: create the endpoint on the SIP thread; raises what went wrong (e.g. port in use)."""
        self.thread.start(self._setup)

    def stop(self) -> None:
        """Blocking: hang up, release everything and destroy the library; the SIP thread then ends."""
        self.thread.stop(self._teardown)

    async def run(self, job: Callable[[], T]) -> T:
        """Run job on the SIP thread and await its result."""
        return await asyncio.wrap_future(self.thread.submit(job))

    @property
    def active_calls(self) -> int:
        return len(self._legs)

    # --- lifecycle (SIP thread) --------------------------------------------------------------------

    def _setup(self) -> Callable[[int], None]:
        config = self.config
        self._endpoint = endpoint = RoutingEndpoint()
        endpoint.libCreate()
        try:
            endpoint.libInit(self._endpoint_config())
            endpoint.audDevManager().setNullDev()  # no sound card: the null device clocks the bridge
            for kind in (pj.PJSIP_TRANSPORT_UDP, pj.PJSIP_TRANSPORT_TCP):
                transport = pj.TransportConfig()
                transport.boundAddress = config.host
                transport.port = config.port
                endpoint.transportCreate(kind, transport)
            if config.tls is not None:
                endpoint.transportCreate(pj.PJSIP_TRANSPORT_TLS, tls_transport_config(config))
            self.codecs = apply_codec_priorities(endpoint, config.codecs)
            endpoint.libStart()
            if config.record_dir is not None:
                self._writer = RecordingWriter(config.record_dir)
            self._add_account("direct", direct_account_config(config))
            registration = config.registration
            if registration is not None:
                # With another Contact to register, a separate account registers it (see account.py).
                contact = registration.send_register and registration.contact_uri is not None
                account = self._add_account(
                    "registered",
                    registered_account_config(
                        config, registration, register=registration.send_register and not contact
                    ),
                )
                endpoint.accounts_by_user[Party.parse(registration.id_uri).number] = account.getId()
                if contact:
                    self._add_account("registration", contact_registration_config(config, registration))
        except BaseException:
            self._teardown()
            raise
        self._accepting = True
        return endpoint.libHandleEvents

    def _endpoint_config(self) -> pj.EpConfig:
        config = pj.EpConfig()
        ua = config.uaConfig
        ua.threadCnt = 0  # pjsua2's events are polled by the SIP thread ...
        ua.mainThreadOnly = True  # ... and callbacks from other pjsua threads (DTMF) are queued to it
        ua.maxCalls = self.config.max_calls
        ua.userAgent = self.config.user_agent
        config.logConfig.level = self.config.log_level
        config.logConfig.consoleLevel = self.config.log_level
        media = config.medConfig
        media.clockRate = media.sndClockRate = 16000  # the bridge runs at the application's rate
        media.channelCount = 1
        media.audioFramePtime = 20
        media.ptime = 20
        media.noVad = True  # continuous RTP: silence suppression only confuses peers and recordings
        media.ecTailLen = 0  # no echo canceller: there is no loudspeaker
        return config

    def _add_account(self, name: str, account_config: pj.AccountConfig) -> SipAccount:
        account = SipAccount(name, self._incoming, self._registration)
        self._accounts.append(account)  # referenced before create(): callbacks may come at once
        account.create(account_config, name == "registered")  # the registered one dials out, if any
        return account

    def _teardown(self) -> None:
        """Release in the order FACTS requires; every step is attempted, and libDestroy always runs."""
        self._accepting = False
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is None:
            return
        for leg in list(self._legs):
            _attempt("hanging up a call", leg.hangup, 503, Initiator.SHUTDOWN)
        deadline = time.monotonic() + self.config.shutdown_timeout_s
        while self._legs and time.monotonic() < deadline:
            endpoint.libHandleEvents(10)
        for leg in list(self._legs):  # the peer never confirmed the end: release anyway
            leg.release(0, "shutdown", Initiator.SHUTDOWN)
        for account in self._accounts:
            _attempt("deleting an account", account.shutdown)  # unregisters
        self._accounts.clear()
        endpoint.accounts_by_user.clear()
        _attempt(
            "stopping the media clock", endpoint.audDevManager().setNoDev
        )  # no frame callback after this
        self.ports.destroy_all()
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        gc.collect()
        endpoint.libDestroy()

    # --- calls (SIP thread) --------------------------------------------------------------------------

    def _incoming(self, account: SipAccount, call_id: int) -> None:
        if not self._accepting:
            _attempt("refusing a call", self._reject, account, call_id, 503)
            return
        try:
            leg = CallLeg(self, account, Direction.INCOMING, call_id=call_id)
        except Exception:
            log.exception("taking an incoming call failed")
            _attempt("refusing a call", self._reject, account, call_id, 500)
            return
        self._legs.add(leg)
        try:
            if self.config.ring_ms > 0:
                leg.answer(180)
                self.thread.call_later(self.config.ring_ms / 1000, lambda: self._answer(leg))
            else:
                leg.answer(200)
        except pj.Error as error:
            log.warning("answering %s failed: %s", leg.session, error.info())
            leg.release(500, error.info(), Initiator.LOCAL)

    def _answer(self, leg: CallLeg) -> None:
        if leg in self._legs:  # the caller may have cancelled while it rang
            try:
                leg.answer(200)
            except pj.Error as error:
                log.warning("answering %s failed: %s", leg.session, error.info())

    @staticmethod
    def _reject(account: SipAccount, call_id: int, code: int) -> None:
        call = pj.Call(account, call_id)
        prm = pj.CallOpParam()
        prm.statusCode = code
        call.hangup(prm)

    def make_call(self, uri: str) -> CallSession:
        """Dial uri from the registered account if there is one, else the direct one."""
        if not self._accepting:
            raise RuntimeError("the endpoint is not running")
        account = next((a for a in self._accounts if a.name == "registered"), self._accounts[0])
        leg = CallLeg(self, account, Direction.OUTGOING, remote_uri=uri)
        self._legs.add(leg)
        try:
            leg.dial(uri)
        except pj.Error as error:  # e.g. a bad URI, or every call slot in use
            leg.release(503, error.reason, Initiator.LOCAL)
            raise CallFailed(503, error.reason) from None
        return leg.session

    def bridge(self, first: CallLeg, second: CallLeg, *, connect: bool) -> None:
        a, b = first.audio_media(), second.audio_media()
        if connect:
            a.startTransmit(b)
            b.startTransmit(a)
        else:
            a.stopTransmit(b)
            b.stopTransmit(a)
        # Each recording's right channel gets what its caller hears from the other call.
        first.session.audio.heard_by = second.session.audio.track if connect else None
        second.session.audio.heard_by = first.session.audio.track if connect else None

    def transmit(self, source: CallLeg, target: CallLeg, *, on: bool) -> None:
        """One call's audio into another's, one way; the recordings are left as they are."""
        stream = source.audio_media()
        if on:
            stream.startTransmit(target.audio_media())
        else:
            stream.stopTransmit(target.audio_media())

    def prepare_session(self, session: CallSession, codec: str) -> None:
        """Media is up: note the codec and open the recording before any frame flows."""
        session.codec = codec
        if self._writer is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            safe_id = "".join(ch if ch.isalnum() else "-" for ch in session.sip_call_id)[:48]
            session.audio.track = self._writer.open(f"{stamp}-{session.direction}-{safe_id}")
            session.recording = session.audio.track.path

    def deliver_session(self, session: CallSession) -> None:
        """Hand the answered call to the application (incoming) or to the awaiting call() (outgoing)."""
        self._post(session.mark_answered)
        if session.direction is Direction.INCOMING:
            self._post(self._on_session, session)

    def forget(self, leg: CallLeg) -> None:
        self._legs.discard(leg)

    def _registration(self, state: RegistrationState) -> None:
        log.info(
            "registration %s: %s %s (expires %s s)", state.account, state.code, state.reason, state.expires_s
        )
        if self._on_registration is not None:
            self._post(self._on_registration, state)

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            log.warning("event loop closed; dropped %s", callback)


def _attempt(what: str, step: Callable[..., object], *args: object) -> None:
    """Run one release step; a failure is logged and the next step still runs."""
    try:
        step(*args)
    except Exception:
        log.exception("%s failed", what)
