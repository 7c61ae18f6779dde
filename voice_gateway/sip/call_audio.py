"""One call's audio between the media clock thread and the asyncio loop.

The media clock thread asks for the bot's next frame and hands over the caller's frame every 20 ms;
it must never wait, so it only pops from / posts to structures that are safe without locks:
a ``collections.deque`` for the bot's frames (append and popleft are atomic) and
``loop.call_soon_threadsafe`` for the caller's frames and the drained notice. Barge-in is a
``deque.clear()``: the very next tick, at most 20 ms later, sends silence. Holding is a flag the tick
reads: silence is sent and the queue kept, so the bot can carry on where it paused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from voice_gateway.sip.frames import split_frames
from voice_gateway.sip.recording import Track

log = logging.getLogger(__name__)


class CallAudio:
    """Queues the bot's frames for the call and passes the caller's frames to the loop.

    frame_requested() and frame_received() run on the media clock thread; play(), stop_playback()
    and playing may be used from any thread. on_frame and on_drained run on the loop.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_frame: Callable[[bytes], None],
        on_drained: Callable[[], None],
        track: Track | None,
    ) -> None:
        self._loop = loop
        self._on_frame = on_frame
        self._on_drained = on_drained
        self.track = track
        # Another call's recording that hears this call while the two are bridged: this call's frames
        # go to its far-end channel too, so the first call's recording holds both people.
        self.heard_by: Track | None = None
        self._bot: deque[bytes] = deque()
        self._report_drained = False
        self._held = False

    def play(self, pcm: bytes) -> None:
        """Queue 16 kHz int16 PCM after what is already queued (cut into 20 ms frames)."""
        self._bot.extend(split_frames(pcm))
        self._report_drained = True  # after extend: a tick in between must not see an empty queue and report

    def stop_playback(self) -> None:
        """Drop every queued frame: the caller hears silence from the next tick on."""
        self._report_drained = False
        self._held = False
        self._bot.clear()

    def hold_playback(self) -> None:
        """Silence from the next tick on, keeping what is queued for resume_playback()."""
        self._held = True

    def resume_playback(self) -> None:
        self._held = False

    @property
    def playing(self) -> bool:
        return bool(self._bot)

    @property
    def queued_frames(self) -> int:
        return len(self._bot)

    def frame_requested(self) -> bytes | None:
        """The bot's frame for this tick, or None for silence (media clock thread)."""
        try:
            frame: bytes | None = None if self._held else self._bot.popleft()
        except IndexError:
            frame = None
            if self._report_drained:
                self._report_drained = False
                self._post(self._on_drained)
        if self.track is not None:
            self.track.tick(frame)
        return frame

    def frame_received(self, frame: bytes) -> None:
        """The caller's 640-byte frame for this tick (media clock thread)."""
        if self.track is not None:
            self.track.caller(frame)
        if (listener := self.heard_by) is not None:
            listener.far_end(frame)
        self._post(self._on_frame, frame)

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: the application is gone
            self._loop.call_soon_threadsafe(callback, *args)
