"""The voice gateway's SIP layer, on pjsua2 (pjproject 2.15, the official SWIG binding).

Public interface::

    endpoint = SipEndpoint(EndpointConfig(...), on_call=handler, on_registration=None)
    await endpoint.start() / await endpoint.stop()       # or: async with SipEndpoint(...)
    session = await endpoint.call("sip:agent@host")       # outgoing; raises CallFailed

    async def handler(session: CallSession) -> None:      # one task per answered incoming call
        session.remote.number                             # caller, from the From header
        async for frame in session.frames(): ...          # caller audio, 640-byte 20 ms 16 kHz int16
        session.play(pcm); session.stop_playback()        # bot audio; barge-in within one frame
        async for event in session.events(): ...          # Dtmf | PlaybackDrained | Disconnected (last)
        await session.hangup(); await session.bridge(other)

Threads: pjsua2 runs on one SIP thread owned by this package, frames move on pjsua2's media clock
thread; the application sees everything on its asyncio loop, delivered with
``loop.call_soon_threadsafe`` into asyncio queues (session.py has the full contract).

Limits: the pjsua2-python wheel is built with pjproject's default PJSUA_MAX_CALLS = 4, so one
process holds at most 4 calls (incoming and outgoing together; more get 486 Busy Here). More
capacity means more gateway processes, each with its own endpoint and port, behind the SIP
dispatcher (voice_gateway/dispatcher/).
"""

from voice_gateway.sip.config import EndpointConfig, Registration
from voice_gateway.sip.endpoint import CallHandler, SipEndpoint
from voice_gateway.sip.events import (
    CallEvent,
    Direction,
    Disconnected,
    Dtmf,
    DtmfMethod,
    Initiator,
    Party,
    PlaybackDrained,
    RegistrationState,
)
from voice_gateway.sip.frames import FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE
from voice_gateway.sip.session import CallFailed, CallSession

__all__ = [
    "FRAME_BYTES",
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "CallEvent",
    "CallFailed",
    "CallHandler",
    "CallSession",
    "Direction",
    "Disconnected",
    "Dtmf",
    "DtmfMethod",
    "EndpointConfig",
    "Initiator",
    "Party",
    "PlaybackDrained",
    "Registration",
    "RegistrationState",
    "SipEndpoint",
]
