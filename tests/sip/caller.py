"""A test phone in its own process: an independent pjsua2 user agent that the SIP tests drive.

It either calls a URI or (--answer) waits for one call and answers it (--ring-only: lets it ring). Once media is up it plays a
WAV into the call, records what it hears to a mono 16 kHz WAV, sends DTMF at given times (RFC 4733
or SIP INFO) and hangs up after --duration seconds, on SIGTERM/SIGINT, or when the peer hangs up.

It deliberately does not use voice_gateway.sip, so the library is tested against a peer that
shares none of its code. Events are JSON lines on stdout (pjsua's own log lines are not JSON);
times ("t") are seconds since the recording started. Exit code: 0 after a call that had media,
2 when no call got media, 1 on an error.

    python tests/sip/caller.py sip:tandem@127.0.0.1:5060 --play tone.wav --record heard.wav \
        --duration 5 --dtmf 1.0:12:rfc4733 --dtmf 2.0:#:info
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pjsua2 as pj

_SRTP = {
    "off": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}
_METHODS = {"rfc4733": pj.PJSUA_DTMF_METHOD_RFC2833, "info": pj.PJSUA_DTMF_METHOD_SIP_INFO}


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


@dataclass
class DtmfPlan:
    at_s: float
    digits: str
    method: str

    @classmethod
    def parse(cls, spec: str) -> DtmfPlan:
        at, digits, method = spec.split(":")
        if method not in _METHODS:
            raise argparse.ArgumentTypeError(f"method must be one of {sorted(_METHODS)}")
        return cls(float(at), digits, method)


class Phone:
    """All pjsua2 objects of the test phone; everything runs on the main thread."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.endpoint = pj.Endpoint()
        self.account: PhoneAccount | None = None
        self.call: PhoneCall | None = None
        self.player: pj.AudioMediaPlayer | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.media_at: float | None = None
        self.ended = False
        self.hangup_requested = False

    def start(self) -> None:
        args = self.args
        self.endpoint.libCreate()
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = True
        config.logConfig.level = config.logConfig.consoleLevel = 1
        config.medConfig.clockRate = config.medConfig.sndClockRate = 16000
        config.medConfig.noVad = True
        config.medConfig.ecTailLen = 0
        self.endpoint.libInit(config)
        self.endpoint.audDevManager().setNullDev()
        transport = pj.TransportConfig()
        transport.boundAddress = "127.0.0.1"
        transport.port = args.sip_port
        udp = self.endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.endpoint.transportCreate(pj.PJSIP_TRANSPORT_TCP, transport)
        if args.tls_ca:  # calls to ;transport=tls URIs, verifying the server against this CA
            tls = pj.TransportConfig()
            tls.boundAddress = "127.0.0.1"
            tls.tlsConfig.CaListFile = str(args.tls_ca)
            tls.tlsConfig.verifyServer = True
            tls.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
            self.endpoint.transportCreate(pj.PJSIP_TRANSPORT_TLS, tls)
        port = self.endpoint.transportGetInfo(udp).localName.rsplit(":", 1)[1]
        if args.codec:
            for info in self.endpoint.codecEnum2():
                wanted = info.codecId.lower().startswith(args.codec.lower() + "/")
                self.endpoint.codecSetPriority(info.codecId, 255 if wanted else 0)
        self.endpoint.libStart()
        account_config = pj.AccountConfig()
        account_config.idUri = f'"{args.display}" <sip:{args.user}@127.0.0.1:{port}>'
        media = account_config.mediaConfig.transportConfig
        media.boundAddress = "127.0.0.1"
        media.port = args.rtp_port
        media.portRange = 200
        account_config.mediaConfig.srtpUse = _SRTP[args.srtp]
        account_config.mediaConfig.srtpSecureSignaling = 0  # the phone offers SRTP whatever the transport
        self.account = PhoneAccount(self)
        self.account.create(account_config)
        emit("ready", sip_port=int(port))
        if args.uri:
            self.call = PhoneCall(self, self.account)
            self.call.makeCall(args.uri, pj.CallOpParam(True))

    def incoming(self, call_id: int) -> None:
        call = PhoneCall(self, self.account, call_id)
        if self.call is not None:  # one call at a time
            call.phone = None
            prm = pj.CallOpParam()
            prm.statusCode = 486
            call.hangup(prm)
            return
        self.call = call
        emit("incoming", remote=call.getInfo().remoteUri)
        prm = pj.CallOpParam()
        if self.args.reject:  # busy (486) or any other refusal, as the phone's owner would
            prm.statusCode = self.args.reject
            call.hangup(prm)
            return
        prm.statusCode = 180 if self.args.ring_only else 200
        call.answer(prm)

    def media_active(self, audio: pj.AudioMedia, codec: str, srtp: bool, rtp_to: str) -> None:
        if self.media_at is not None:
            return
        if self.args.record:
            self.recorder = pj.AudioMediaRecorder()
            self.recorder.createRecorder(str(self.args.record))
            audio.startTransmit(self.recorder)
        if self.args.play:
            self.player = pj.AudioMediaPlayer()
            self.player.createPlayer(str(self.args.play), 0 if self.args.loop else pj.PJMEDIA_FILE_NO_LOOP)
            self.player.startTransmit(audio)
        self.media_at = time.monotonic()
        emit("media", codec=codec, srtp=srtp, rtp_to=rtp_to)

    def run(self) -> int:
        pending = sorted(self.args.dtmf, key=lambda plan: plan.at_s)
        while not self.ended:
            self.endpoint.libHandleEvents(10)
            if self.media_at is None or self.call is None:
                if self.hangup_requested:
                    self.hang_up()
                continue
            elapsed = time.monotonic() - self.media_at
            while pending and elapsed >= pending[0].at_s:
                self.send_dtmf(pending.pop(0), elapsed)
            if self.hangup_requested or (self.args.duration and elapsed >= self.args.duration):
                self.hang_up()
        return 0 if self.media_at is not None else 2

    def send_dtmf(self, plan: DtmfPlan, elapsed: float) -> None:
        prm = pj.CallSendDtmfParam()
        prm.digits = plan.digits
        prm.method = _METHODS[plan.method]
        assert self.call is not None
        self.call.sendDtmf(prm)
        emit("dtmf_sent", digits=plan.digits, method=plan.method, t=round(elapsed, 3))

    def hang_up(self) -> None:
        self.hangup_requested = False
        if self.call is not None and self.call.isActive():
            self.call.hangup(pj.CallOpParam(True))
        elif self.call is None:
            self.ended = True

    def finished(self, code: int, reason: str) -> None:
        emit("disconnected", code=code, reason=reason)
        self.ended = True

    def shutdown(self) -> None:
        """FACTS order: stop the media clock, drop every pjsua2 object, gc, then libDestroy."""
        self.endpoint.audDevManager().setNoDev()
        self.player = self.recorder = None
        if self.call is not None:
            self.call.phone = None
        self.call = None
        if self.account is not None:
            self.account.shutdown()
            self.account.phone = None
        self.account = None
        gc.collect()
        self.endpoint.libDestroy()


class PhoneAccount(pj.Account):
    def __init__(self, phone: Phone) -> None:
        super().__init__()
        self.phone: Phone | None = phone

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            if self.phone is not None:
                self.phone.incoming(prm.callId)
        except Exception as error:
            emit("error", where="onIncomingCall", error=repr(error))


class PhoneCall(pj.Call):
    def __init__(self, phone: Phone, account: pj.Account, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.phone: Phone | None = phone

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        try:
            info = self.getInfo()
            if info.state == pj.PJSIP_INV_STATE_DISCONNECTED and self.phone is not None:
                self.phone.finished(info.lastStatusCode, info.lastReason)
        except Exception as error:
            emit("error", where="onCallState", error=repr(error))

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            info = self.getInfo()  # keep it alive: info.media points into it (SWIG returns a view)
            for media in info.media:
                if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    stream = self.getStreamInfo(media.index)
                    if self.phone is not None:
                        self.phone.media_active(
                            self.getAudioMedia(media.index),
                            f"{stream.codecName}/{stream.codecClockRate}",
                            "SRTP status: Active" in self.dump(True, ""),
                            stream.remoteRtpAddress,
                        )
        except Exception as error:
            emit("error", where="onCallMediaState", error=repr(error))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("uri", nargs="?", help="the URI to call (omit with --answer)")
    parser.add_argument("--answer", action="store_true", help="wait for one incoming call and answer it")
    parser.add_argument("--ring-only", action="store_true", help="with --answer: ring, never answer")
    parser.add_argument(
        "--reject", type=int, help="with --answer: refuse the call with this SIP code, e.g. 486"
    )
    parser.add_argument("--play", type=Path, help="16-bit mono WAV to send once media is up")
    parser.add_argument("--loop", action="store_true", help="loop the WAV")
    parser.add_argument("--record", type=Path, help="record what is heard to this WAV (16 kHz mono)")
    parser.add_argument("--duration", type=float, default=0.0, help="hang up this long after media is up")
    parser.add_argument(
        "--dtmf", type=DtmfPlan.parse, action="append", default=[], help="AT_S:DIGITS:rfc4733|info"
    )
    parser.add_argument("--codec", help="offer only this codec, e.g. PCMU/8000 or G722")
    parser.add_argument("--sip-port", type=int, default=0, help="local SIP port (0: any)")
    parser.add_argument("--rtp-port", type=int, default=30000)
    parser.add_argument("--tls-ca", type=Path, help="enable SIP/TLS, trusting this CA (PEM) for servers")
    parser.add_argument("--srtp", choices=sorted(_SRTP), default="off", help="offer SRTP (SDES)")
    parser.add_argument("--user", default="5551234")
    parser.add_argument("--display", default="Test Caller")
    args = parser.parse_args(argv)
    if bool(args.uri) == args.answer:
        parser.error("give a URI to call, or --answer")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    phone = Phone(args)

    def request_hangup(signum: int, frame: object) -> None:
        phone.hangup_requested = True

    signal.signal(signal.SIGTERM, request_hangup)
    signal.signal(signal.SIGINT, request_hangup)
    try:
        phone.start()
        code = phone.run()
    except Exception as error:
        emit("error", where="main", error=repr(error))
        code = 1
    phone.shutdown()
    emit("exit", code=code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
