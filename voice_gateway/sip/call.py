"""One call on the SIP side: answering, wiring its audio to a port, and releasing it exactly once.

Everything here runs on the SIP thread. pjsua2's ``Call`` object must outlive every callback about
it, yet be gone before pjsua reuses its call id: its destructor clears the user data of, and hangs
up, whatever call then holds that id. So the leg drops its reference inside the DISCONNECTED
callback (pjsua2 does not touch the object after that callback), and the port, the recording and
the application are released in the same step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pjsua2 as pj

from voice_gateway.sip.account import SipAccount
from voice_gateway.sip.events import Direction, Disconnected, Dtmf, DtmfMethod, Initiator, Party
from voice_gateway.sip.media_port import CallPort
from voice_gateway.sip.session import CallSession

if TYPE_CHECKING:
    from voice_gateway.sip.core import SipCore

log = logging.getLogger(__name__)

# A transfer would make this gateway dial whatever the caller names with the account's credentials
# (toll fraud), and a taken-over call would end the customer's: both are declined, the call goes on.
DECLINE = 603

_DTMF_METHODS = {
    pj.PJSUA_DTMF_METHOD_RFC2833: DtmfMethod.RFC4733,
    pj.PJSUA_DTMF_METHOD_SIP_INFO: DtmfMethod.SIP_INFO,
}


def _guard(where: str, body: Callable[[], None]) -> None:
    """Run a callback body; an exception escaping a SWIG director callback would abort the process."""
    try:
        body()
    except Exception:
        log.exception("%s failed", where)


class _PjCall(pj.Call):
    """pjsua2's call, forwarding its callbacks to the leg while the leg is attached."""

    def __init__(self, account: pj.Account, leg: CallLeg, call_id: int) -> None:
        super().__init__(account, call_id)
        self.leg: CallLeg | None = leg

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        if (leg := self.leg) is not None:
            _guard("onCallState", leg.on_state)

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        if (leg := self.leg) is not None:
            _guard("onCallMediaState", leg.on_media)

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        prm.statusCode = DECLINE  # before anything else: pjsua dials the target if this stays 202
        log.warning("declined a transfer request (REFER) on a call")

    def onCallReplaceRequest(self, prm: pj.OnCallReplaceRequestParam) -> None:
        prm.statusCode = DECLINE
        prm.reason = "Decline"
        log.warning("declined an INVITE with Replaces for a call")

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        if (leg := self.leg) is not None:
            digit, method = prm.digit, _DTMF_METHODS.get(prm.method, DtmfMethod.RFC4733)
            _guard("onDtmfDigit", lambda: leg.on_dtmf(digit, method))


class CallLeg:
    """A call from creation to release; owns its pjsua2 Call, its port lease and its recording track."""

    def __init__(
        self,
        core: SipCore,
        account: SipAccount,
        direction: Direction,
        *,
        call_id: int = pj.PJSUA_INVALID_ID,
        remote_uri: str = "",
    ) -> None:
        self._core = core
        self.call: _PjCall | None = _PjCall(account, self, call_id)
        self.port: CallPort | None = None
        if direction is Direction.INCOMING:
            info = self.call.getInfo()
            remote, sip_call_id = Party.parse(info.remoteUri), info.callIdString
        else:
            remote, sip_call_id = Party.parse(remote_uri), ""
        self.session = CallSession(self, core, direction=direction, remote=remote, account=account.name)
        self.session.sip_call_id = sip_call_id
        self._port_slot = pj.PJSUA_INVALID_ID
        self._connected_at: float | None = None
        self._initiator = Initiator.REMOTE

    # --- commands (SIP thread) -----------------------------------------------------------------

    def answer(self, code: int) -> None:
        if self.call is not None:
            prm = pj.CallOpParam()
            prm.statusCode = code
            self.call.answer(prm)

    def dial(self, uri: str) -> None:
        assert self.call is not None
        self.call.makeCall(uri, pj.CallOpParam(True))
        if self.call is not None:  # a failure can end the call inside makeCall
            self.session.sip_call_id = self.call.getInfo().callIdString

    def hangup(self, code: int, initiator: Initiator) -> None:
        """End the call (BYE, CANCEL or a final response, as its state requires)."""
        if self.call is None:
            return
        self._initiator = initiator
        prm = pj.CallOpParam()
        prm.statusCode = code
        self.call.hangup(prm)

    def audio_media(self) -> pj.AudioMedia:
        """The call's stream in the conference bridge (raises pj.Error when it has none)."""
        if self.call is None:
            raise RuntimeError("the call has ended")
        return self.call.getAudioMedia(-1)

    # --- pjsua2 callbacks (SIP thread) ---------------------------------------------------------

    def on_state(self) -> None:
        assert self.call is not None
        info = self.call.getInfo()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.release(info.lastStatusCode, info.lastReason)

    def on_media(self) -> None:
        assert self.call is not None
        info = self.call.getInfo()
        for media in info.media:
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            if media.audioConfSlot == self._port_slot:
                return  # a re-INVITE that kept the stream: already wired
            first = self._connected_at is None
            if first:  # the recording must exist before the port starts feeding it
                stream = self.call.getStreamInfo(media.index)
                # Optional SRTP keeps the RTP/AVP profile in the SDP: only pjsua's own dump tells.
                self.session.srtp = "SRTP status: Active" in self.call.dump(True, "")
                self._core.prepare_session(self.session, f"{stream.codecName}/{stream.codecClockRate}")
            self._wire(self.call.getAudioMedia(media.index), media.audioConfSlot)
            if first:
                self._connected_at = time.monotonic()
                self._core.deliver_session(self.session)
            return

    def on_dtmf(self, digit: str, method: DtmfMethod) -> None:
        self.session.post_event(Dtmf(digit, method))

    # --- internals -----------------------------------------------------------------------------

    def _wire(self, stream: pj.AudioMedia, slot: int) -> None:
        """Caller audio into our port, our port into the call: both directions through the bridge."""
        if self.port is None:
            self.port = self._core.ports.lease(self.session.audio)
        stream.startTransmit(self.port)
        self.port.startTransmit(stream)
        self._port_slot = slot

    def release(self, code: int, reason: str, initiator: Initiator | None = None) -> None:
        """Give back everything the call holds and tell the application; runs once."""
        if self.call is None:
            return
        call, self.call = self.call, None
        call.leg = None  # break the cycle: the Call dies on this thread, before pjsua reuses its id
        duration = time.monotonic() - self._connected_at if self._connected_at is not None else 0.0
        if self.port is not None:  # detach before the recording closes: no frame may follow the close
            self._core.ports.release(self.port)
            self.port = None
        self._core.forget(self)
        self.session.ended(
            Disconnected(code, reason, initiator or self._initiator, round(duration, 3), None),
            answered=self._connected_at is not None,
        )
