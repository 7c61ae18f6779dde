"""A tiny voice application on voice_gateway.sip, run as its own process by the SIP tests.

Modes: ``echo`` sends every caller frame straight back; ``tone`` plays a long sine and stops it
(barge-in) on DTMF '#'; ``bridge`` dials --bridge-to and bridges the two calls (or reports
bridge_failed and keeps the caller). Every call is
recorded when --record-dir is given. A caller whose number is --fail-number makes the handler raise,
to show that one failing call leaves the others alone.

Events are JSON lines on stdout: ready, call, dtmf, drained, barge_in, bridged, bridge_failed,
agent_disconnected, disconnected, registration, stopped. SIGTERM/SIGINT stop the endpoint cleanly (exit code 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import signal
import sys
from pathlib import Path

import numpy as np

from voice_gateway.sip import (
    SAMPLE_RATE,
    CallFailed,
    CallSession,
    Disconnected,
    Dtmf,
    EndpointConfig,
    PlaybackDrained,
    Registration,
    RegistrationState,
    SipEndpoint,
)
from voice_gateway.sip.config import SipTls


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def sine(freq_hz: float, seconds: float, level: float = 0.3) -> bytes:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return (np.sin(2 * math.pi * freq_hz * t) * level * 32767).astype("<i2").tobytes()


class EchoApp:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.endpoint = SipEndpoint(self.config(), on_call=self.handle, on_registration=self.registration)

    def config(self) -> EndpointConfig:
        args = self.args
        registration = None
        if args.registrar:
            registration = Registration(
                id_uri=args.register_id,
                registrar_uri=args.registrar,
                username=args.username,
                password=args.password,
                expires_s=args.expires,
                retry_interval_s=args.retry,
                refresh_margin_s=args.refresh_margin,
                send_register=not args.no_register,
                contact_uri=args.register_contact,
            )
        return EndpointConfig(
            host=args.host,
            port=args.port,
            rtp_port=args.rtp_port,
            rtp_port_count=args.rtp_port_count,
            ring_ms=args.ring_ms,
            max_calls=args.max_calls,
            record_dir=args.record_dir,
            registration=registration,
            codecs=tuple(args.codecs.split(",")),
            log_level=args.pj_log,
            tls=SipTls(args.tls_port, args.tls_cert, args.tls_key) if args.tls_port else None,
            srtp=args.srtp,
        )

    def registration(self, state: RegistrationState) -> None:
        emit(
            "registration",
            account=state.account,
            code=state.code,
            reason=state.reason,
            expires=state.expires_s,
            registered=state.registered,
        )

    async def handle(self, session: CallSession) -> None:
        emit(
            "call",
            id=session.sip_call_id,
            number=session.remote.number,
            display=session.remote.display_name,
            codec=session.codec,
            srtp=session.srtp,
            account=session.account,
            recording=str(session.recording),
        )
        frames = 0

        async def listen() -> None:
            nonlocal frames
            async for frame in session.frames():
                frames += 1
                if self.args.mode == "echo":
                    session.play(frame)

        listener = asyncio.create_task(listen())
        if self.args.mode == "tone":
            session.play(sine(self.args.tone_hz, 60.0))
        if self.args.mode == "bridge":
            await self.bridge(session)
        if session.remote.number == self.args.fail_number:
            await asyncio.sleep(self.args.fail_after)
            raise RuntimeError("injected handler failure")
        async for event in session.events():
            if isinstance(event, Dtmf):
                emit("dtmf", id=session.sip_call_id, digit=event.digit, method=event.method)
                if event.digit == "#" and self.args.mode == "tone":
                    session.stop_playback()
                    emit("barge_in", id=session.sip_call_id, playing=session.playing)
            elif isinstance(event, PlaybackDrained):
                emit("drained", id=session.sip_call_id)
            elif isinstance(event, Disconnected):
                await listener
                emit(
                    "disconnected",
                    id=session.sip_call_id,
                    code=event.code,
                    reason=event.reason,
                    initiator=event.initiator,
                    duration=event.duration_s,
                    recording=event.recording,
                    frames=frames,
                    dropped=session.dropped_frames,
                )

    async def bridge(self, session: CallSession) -> None:
        try:
            agent = await self.endpoint.call(self.args.bridge_to, timeout_s=10)
        except CallFailed as failure:
            emit("bridge_failed", id=session.sip_call_id, code=failure.code, reason=failure.reason)
            return
        await session.bridge(agent)
        emit("bridged", id=session.sip_call_id, agent=agent.sip_call_id, agent_codec=agent.codec)
        waits = [asyncio.ensure_future(s.wait_disconnected()) for s in (session, agent)]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        ended = await agent.hangup()
        emit("agent_disconnected", code=ended.code, initiator=ended.initiator, recording=ended.recording)
        for wait in waits:
            wait.cancel()


async def run(args: argparse.Namespace) -> None:
    app = EchoApp(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with app.endpoint:
        emit("ready", port=args.port, codecs=app.endpoint.codecs)
        await stop.wait()
        active = app.endpoint.active_calls
    emit("stopped", active_calls_at_stop=active)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address SIP and RTP bind to")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rtp-port", type=int, default=40000)
    parser.add_argument("--rtp-port-count", type=int, default=200)
    parser.add_argument("--mode", choices=["echo", "tone", "bridge"], default="echo")
    parser.add_argument("--tone-hz", type=float, default=1000.0)
    parser.add_argument("--bridge-to", help="URI to dial and bridge in bridge mode")
    parser.add_argument("--ring-ms", type=int, default=0)
    parser.add_argument("--max-calls", type=int, default=4)
    parser.add_argument("--record-dir", type=Path)
    parser.add_argument("--codecs", default="PCMU/8000,PCMA/8000,G722/16000")
    parser.add_argument("--fail-number", default="")
    parser.add_argument("--fail-after", type=float, default=0.5, help="seconds before the injected failure")
    parser.add_argument("--register-id")
    parser.add_argument("--registrar")
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--expires", type=int, default=300)
    parser.add_argument("--retry", type=int, default=30)
    parser.add_argument("--refresh-margin", type=int, default=5)
    parser.add_argument(
        "--register-contact", help="register this Contact (a dispatcher's) instead of our own"
    )
    parser.add_argument(
        "--no-register", action="store_true", help="take the extension's calls, never REGISTER"
    )
    parser.add_argument("--tls-port", type=int, default=0, help="also listen on SIP/TLS here")
    parser.add_argument("--tls-cert", type=Path)
    parser.add_argument("--tls-key", type=Path)
    parser.add_argument("--srtp", choices=["off", "optional", "mandatory"], default="off")
    parser.add_argument("--log", default="WARNING")
    parser.add_argument("--pj-log", type=int, default=1, help="pjsua log level (console)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log,
        stream=sys.stderr,
        format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s",
    )
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
