"""CallSession: one call as the application sees it, on its asyncio loop.

Threading contract
------------------
* Everything the SIP layer reports reaches the session through ``loop.call_soon_threadsafe``:
  caller frames go into a bounded ``asyncio.Queue`` read by ``frames()``, DTMF, playback-drained
  and disconnect into an unbounded ``asyncio.Queue`` read by ``events()``. No application code
  ever runs on a pjsua2 thread, and a slow application cannot stall the media clock: when it
  falls more than ``FRAME_BACKLOG`` frames behind, the oldest caller frames are dropped.
* ``play()``, ``stop_playback()`` and ``playing`` only touch a lock-free deque and may be
  called from any thread; the media clock takes the next frame every 20 ms.
* ``hangup()``, ``bridge()`` and ``unbridge()`` are coroutines: they run on the SIP thread and
  return once it has acted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from voice_gateway.sip.call_audio import CallAudio
from voice_gateway.sip.events import CallEvent, Direction, Disconnected, Initiator, Party, PlaybackDrained
from voice_gateway.sip.frames import FRAME_MS

if TYPE_CHECKING:
    from voice_gateway.sip.call import CallLeg
    from voice_gateway.sip.core import SipCore

log = logging.getLogger(__name__)

FRAME_BACKLOG = 250  # 5 s of caller audio


class CallFailed(Exception):
    """An outgoing call ended before it was answered (busy, rejected, unreachable, timed out)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class CallSession:
    """One call: caller audio in, bot audio out, events, and control. See the module's threading contract.

    Attributes set before the application sees the session: ``direction``, ``remote`` (the caller
    for incoming calls: ``remote.number`` is the From header's user part), ``account``,
    ``sip_call_id``, ``codec`` (e.g. ``PCMU/8000``) and ``recording`` (the stereo WAV, or None).
    ``audio`` is the SIP layer's own side of the call's audio (the media port feeds it); the
    application uses play(), stop_playback() and frames().
    """

    def __init__(
        self, leg: CallLeg, core: SipCore, *, direction: Direction, remote: Party, account: str
    ) -> None:
        self._leg = leg
        self._core = core
        self._loop = core.loop
        self.direction = direction
        self.remote = remote
        self.account = account
        self.sip_call_id = ""
        self.codec = ""
        self.srtp = False  # the call's media is encrypted (SRTP)
        self.recording: Path | None = None
        self.dropped_frames = 0
        self.audio = CallAudio(self._loop, self._on_frame, self._on_drained, track=None)
        # Bounded by _on_frame rather than maxsize, so the end marker (None) always fits.
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._answered: asyncio.Future[CallSession] = self._loop.create_future()
        self._disconnected: asyncio.Future[Disconnected] = self._loop.create_future()

    def __repr__(self) -> str:
        return f"<CallSession {self.direction} {self.sip_call_id}>"  # no caller number: it ends up in logs

    # --- audio (any thread) ----------------------------------------------------------------------

    def play(self, pcm: bytes) -> None:
        """Queue bot audio: 16 kHz mono int16 PCM, any length (cut into 20 ms frames, last one padded)."""
        self.audio.play(pcm)

    def stop_playback(self) -> None:
        """Barge-in: drop all queued bot audio; the caller hears silence from the next 20 ms tick."""
        self.audio.stop_playback()

    def hold_playback(self) -> None:
        """The caller may be barging in: silence from the next tick, the queued audio kept."""
        self.audio.hold_playback()

    def resume_playback(self) -> None:
        """It was only a cough: the queued audio plays on from where it was held."""
        self.audio.resume_playback()

    @property
    def playing(self) -> bool:
        return self.audio.playing

    @property
    def queued_ms(self) -> int:
        """How much bot audio is queued and not yet sent."""
        return self.audio.queued_frames * FRAME_MS

    # --- streams (loop) --------------------------------------------------------------------------

    async def frames(self) -> AsyncIterator[bytes]:
        """The caller's audio, 640-byte frames (20 ms, 16 kHz, int16), until the call ends."""
        while (frame := await self._frames.get()) is not None:
            yield frame

    async def events(self) -> AsyncIterator[CallEvent]:
        """Dtmf (both methods, one stream), PlaybackDrained, and Disconnected last; then the iterator ends."""
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, Disconnected):
                return

    @property
    def connected(self) -> bool:
        return not self._disconnected.done()

    async def wait_disconnected(self) -> Disconnected:
        return await asyncio.shield(self._disconnected)

    # --- control (loop) --------------------------------------------------------------------------

    async def hangup(self, code: int = 200) -> Disconnected:
        """End the call and wait until it is over (the recording is then complete).

        code is the final response for a call still ringing; an answered call gets a BYE.
        """
        if self.connected:
            await self._core.run(lambda: self._leg.hangup(code, Initiator.LOCAL))
        return await self.wait_disconnected()

    async def bridge(self, other: CallSession) -> None:
        """Connect the two calls' audio both ways through the conference bridge.

        Both sessions keep their own ports: the bot can still speak to either side (a whisper), and
        each recording keeps its own caller on the left, with the other call joining the bot on the
        right. Ends by itself when either call ends.
        """
        await self._core.run(lambda: self._core.bridge(self._leg, other._leg, connect=True))

    async def unbridge(self, other: CallSession) -> None:
        await self._core.run(lambda: self._core.bridge(self._leg, other._leg, connect=False))

    async def send_audio(self, other: CallSession, *, on: bool) -> None:
        """This call's audio to the other call, one way (a supervisor listening in hears both calls)."""
        await self._core.run(lambda: self._core.transmit(self._leg, other._leg, on=on))

    # --- from the SIP side -----------------------------------------------------------------------

    async def answered(self) -> CallSession:
        return await asyncio.shield(self._answered)

    def post_event(self, event: CallEvent) -> None:
        """Queue an event for the application (any thread)."""
        self._call_soon(self._events.put_nowait, event)

    def ended(self, disconnected: Disconnected, *, answered: bool) -> None:
        """The SIP side released the call (SIP thread): finish the recording, then tell the application."""
        closing = self.audio.track.close() if self.audio.track is not None else None
        self._call_soon(self._on_ended, disconnected, closing, answered)

    def _call_soon(self, callback: object, *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody left to tell
            self._loop.call_soon_threadsafe(callback, *args)  # type: ignore[arg-type]

    def _on_frame(self, frame: bytes) -> None:
        if self._frames.qsize() >= FRAME_BACKLOG:
            self._frames.get_nowait()
            self.dropped_frames += 1
        self._frames.put_nowait(frame)

    def _on_drained(self) -> None:
        self._events.put_nowait(PlaybackDrained())

    def _on_ended(self, disconnected: Disconnected, closing: object, answered: bool) -> None:
        self.audio.stop_playback()
        if closing is None:
            self._finish(disconnected, answered)
            return
        recording = asyncio.wrap_future(closing)  # type: ignore[arg-type]
        recording.add_done_callback(lambda done: self._finish(disconnected, answered, done))

    def _finish(
        self, disconnected: Disconnected, answered: bool, recording: asyncio.Future[Path] | None = None
    ) -> None:
        if recording is not None:
            if recording.exception() is None:
                disconnected = dataclasses.replace(disconnected, recording=str(recording.result()))
            else:
                log.error("recording of %r failed: %s", self, recording.exception())
        if not answered and not self._answered.done():
            self._answered.set_exception(CallFailed(disconnected.code, disconnected.reason))
            self._answered.exception()  # retrieved: nobody may be waiting (an incoming call cancelled while ringing)
        self._frames.put_nowait(None)
        self._events.put_nowait(disconnected)
        self._disconnected.set_result(disconnected)

    def mark_answered(self) -> None:
        """Media is flowing (loop)."""
        if not self._answered.done():
            self._answered.set_result(self)
