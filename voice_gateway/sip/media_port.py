"""The conference-bridge port that connects a call to the application, and the pool that owns them.

pjsua2 calls onFrameRequested/onFrameReceived on the media clock thread, and keeps doing so for a
while after a call ends; destroying a port while that clock runs crashed the process (FACTS). So
ports are never destroyed while calls run: a call leases one from the pool, and releasing it only
detaches the call's ``CallAudio`` (the callbacks then send silence and drop what they receive).
The pool destroys its ports at shutdown, after the media clock has been stopped.

A Python exception escaping a SWIG director callback would abort the process, hence the
try/except around each callback body.
"""

from __future__ import annotations

import logging

import pjsua2 as pj

from voice_gateway.sip.call_audio import CallAudio
from voice_gateway.sip.frames import FRAME_BYTES, FRAME_MS, SAMPLE_RATE, SILENCE, vector_bytes

log = logging.getLogger(__name__)

_SILENCE_VECTOR = pj.ByteVector(SILENCE)


class CallPort(pj.AudioMediaPort):
    """A 16 kHz mono 20 ms port whose frames go to and come from the attached CallAudio.

    ``audio`` is written by the SIP thread and read once per callback by the media clock thread;
    a reference swap is atomic, so no lock is needed.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.audio: CallAudio | None = None
        self._failed = False
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, SAMPLE_RATE, 1, FRAME_MS * 1000, 16)
        self.createPort(name, fmt)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        try:
            audio = self.audio
            data = audio.frame_requested() if audio is not None else None
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(data) if data else _SILENCE_VECTOR
            frame.size = FRAME_BYTES
        except Exception:
            self._log_once("onFrameRequested")

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        try:
            audio = self.audio
            if audio is None or frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO:
                return
            data = vector_bytes(frame.buf)
            if len(data) == FRAME_BYTES:
                audio.frame_received(data)
        except Exception:
            self._log_once("onFrameReceived")

    def _log_once(self, where: str) -> None:
        if not self._failed:  # the media thread runs 50 times a second: one report per lease is enough
            self._failed = True
            log.exception("%s failed; the call continues with silence", where)

    def attach(self, audio: CallAudio | None) -> None:
        self._failed = False
        self.audio = audio


class PortPool:
    """Creates ports on demand and reuses them; SIP thread only."""

    def __init__(self) -> None:
        self._free: list[CallPort] = []
        self._all: list[CallPort] = []

    def lease(self, audio: CallAudio) -> CallPort:
        if not self._free:
            port = CallPort(f"tandem-call-{len(self._all)}")
            self._all.append(port)
            self._free.append(port)
        port = self._free.pop()
        port.attach(audio)
        return port

    def release(self, port: CallPort) -> None:
        """Detach the call's audio; the call's stream is gone, and its bridge connections with it."""
        port.attach(None)
        self._free.append(port)

    def destroy_all(self) -> None:
        """Destroy every port now, deterministically (call only once the media clock is stopped)."""
        for port in self._all:
            port.attach(None)
            pj.AudioMediaPort.__swig_destroy__(port)
        self._all.clear()
        self._free.clear()
