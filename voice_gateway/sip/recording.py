"""Stereo WAV recording of calls: caller on the left channel, bot on the right, 16 kHz.

While a call is bridged to another (an agent's phone), the other call's audio joins the bot's on the
right channel: the right channel is everything the caller heard.

pjsua2's own recorder writes the conference mix in mono, so the two sides could not be told apart.
Instead the call's media port hands each 20 ms tick's pair of frames (what the caller sent, what the
bot sent) to a ``Track``; the media clock thread only appends to a queue, and one writer thread per
endpoint interleaves and writes the files, so disk I/O never stalls the media clock.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import queue
import threading
import wave
from pathlib import Path

import numpy as np

from voice_gateway.sip.frames import FRAME_BYTES, SAMPLE_RATE, SILENCE

log = logging.getLogger(__name__)


class Track:
    """One call's recording. tick() and caller() run on the media clock thread, close() on any thread.

    Within one clock tick the conference bridge first asks the port for the bot's frame, then hands
    it the caller's frame, so a pair is complete when the next tick starts (or a second caller frame
    arrives without a tick, which happens before the bot side is connected). A side with no frame
    in a tick is recorded as silence, so both channels stay aligned with the call's clock.
    """

    def __init__(self, writer: RecordingWriter, path: Path) -> None:
        self.path = path
        self._writer = writer
        self._bot: bytes | None = None
        self._caller: bytes | None = None
        self._pending = False
        self._closed = False
        self.closed: concurrent.futures.Future[Path] = concurrent.futures.Future()

    def tick(self, bot: bytes | None) -> None:
        """The bot's frame for a new tick (None: the bot was silent)."""
        self._flush()
        self._bot, self._pending = bot, True

    def caller(self, frame: bytes) -> None:
        """The caller's frame for the current tick."""
        if self._caller is not None:
            self._flush()
        self._caller, self._pending = frame, True

    def far_end(self, frame: bytes) -> None:
        """A bridged call's frame for the current tick: mixed into the right channel with the bot's."""
        if self._closed:
            return
        if self._bot is None:
            self._bot = frame
        else:
            mixed = np.frombuffer(_exact(self._bot), "<i2") + np.frombuffer(_exact(frame), "<i2").astype(int)
            self._bot = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()
        self._pending = True

    def close(self) -> concurrent.futures.Future[Path]:
        """Write what is pending and finish the file; the future resolves once the WAV header is final."""
        if not self._closed:
            self._flush()
            self._closed = True
            self._writer.submit(self, None)
        return self.closed

    def _flush(self) -> None:
        if self._pending and not self._closed:
            self._writer.submit(self, (self._caller or SILENCE, self._bot or SILENCE))
        self._bot = self._caller = None
        self._pending = False


class RecordingWriter:
    """The one thread that writes every call's WAV file. Items are (track, pair) or (track, None) = close."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)  # customers' voices: the service's own user only, even for an older folder
        self._queue: queue.SimpleQueue[tuple[Track, tuple[bytes, bytes] | None] | None] = queue.SimpleQueue()
        self._files: dict[Track, wave.Wave_write] = {}
        self._thread = threading.Thread(target=self._run, name="sip-recorder", daemon=True)
        self._thread.start()

    def open(self, name: str) -> Track:
        """A new track writing to directory/name.wav (the file is created by the writer thread)."""
        return Track(self, self.directory / f"{name}.wav")

    def submit(self, track: Track, pair: tuple[bytes, bytes] | None) -> None:
        self._queue.put((track, pair))

    def stop(self) -> None:
        """End the thread after the queued items; files of tracks never closed are finished too."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            track, pair = item
            try:
                if pair is None:
                    self._finish(track)
                else:
                    self._write(track, *pair)
            except Exception as error:  # one bad file must not end every call's recording
                log.exception("recording %s failed", track.path)
                self._files.pop(track, None)
                if not track.closed.done():
                    track.closed.set_exception(error)
        for track in list(self._files):
            self._finish(track)

    def _write(self, track: Track, caller: bytes, bot: bytes) -> None:
        if track.closed.done():
            return
        wav = self._files.get(track)
        if wav is None:
            wav = self._files[track] = _open_private(track.path)
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
        stereo = np.empty(FRAME_BYTES, dtype="<i2")
        stereo[0::2] = np.frombuffer(_exact(caller), dtype="<i2")
        stereo[1::2] = np.frombuffer(_exact(bot), dtype="<i2")
        wav.writeframesraw(stereo.tobytes())

    def _finish(self, track: Track) -> None:
        wav = self._files.pop(track, None)
        if wav is None and not track.closed.done():  # a call with no audio at all: still leave a valid file
            wav = _open_private(track.path)
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
        if wav is not None:
            wav.close()
        if not track.closed.done():
            track.closed.set_result(track.path)


def _open_private(path: Path) -> wave.Wave_write:
    """A new WAV file readable by its owner only (0600), whatever the umask; closed by the caller."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return wave.open(str(path), "wb")


def _exact(frame: bytes) -> bytes:
    """A frame of exactly 640 bytes: the bridge may hand over an empty or short frame when a side is idle."""
    if len(frame) == FRAME_BYTES:
        return frame
    return (frame + SILENCE)[:FRAME_BYTES]
