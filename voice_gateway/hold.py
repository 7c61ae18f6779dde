"""Music on hold: one WAV loaded once per process, looped into each waiting call's playback queue.

The music goes through the call's ordinary playback queue, so it is recorded like the bot's voice, and
anything else that plays (an announcement) simply replaces it. It is topped up a little at a time
rather than queued whole: stopping it is then just not topping up, and whoever clears the queue
never leaves minutes of music behind.
"""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import numpy as np

from voice_gateway.audio import SAMPLE_RATE, array_to_pcm16, pcm16_to_array, resample
from voice_gateway.sip import CallSession

log = logging.getLogger(__name__)

# Hold music sits under speech: quieter than the voice prompts, as on a real line.
LEVEL = 0.5
AHEAD_MS = 300  # queued ahead of the media clock: enough to ride out a busy event loop


class HoldMusic:
    """16 kHz int16 samples of the hold music (empty: the caller waits in silence)."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples

    @classmethod
    def load(cls, path: Path) -> HoldMusic:
        """Read a 16-bit WAV (any rate, mono or stereo); a missing file means silence, with a warning."""
        try:
            with wave.open(str(path)) as wav:
                if wav.getsampwidth() != 2:
                    raise ValueError("not 16-bit PCM")
                channels, rate = wav.getnchannels(), wav.getframerate()
                samples = pcm16_to_array(wav.readframes(wav.getnframes()))
        except (OSError, EOFError, ValueError, wave.Error) as error:
            log.warning(
                "no hold music; callers wait in silence", extra={"path": str(path), "error": str(error)}
            )
            return cls(np.zeros(0, dtype=np.int16))
        mono = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
        quieter = (resample(mono, rate, SAMPLE_RATE).astype(np.float32) * LEVEL).astype(np.int16)
        return cls(quieter)


class HoldPlayer:
    """One call's hold music. top_up() keeps a little of it queued (call it every 100 ms or so while the
    caller should hear music); silence() drops what is queued. The music goes on where it stopped."""

    def __init__(self, session: CallSession, music: HoldMusic) -> None:
        self._session = session
        self._music = music
        self._position = 0
        self.queued = False

    def top_up(self) -> None:
        samples = self._music.samples
        if not samples.size or self._session.queued_ms >= AHEAD_MS:
            return
        chunk = np.arange(self._position, self._position + SAMPLE_RATE * AHEAD_MS // 1000)
        self._position = int(chunk[-1] + 1) % samples.size
        self._session.play(array_to_pcm16(np.take(samples, chunk, mode="wrap")))  # the music loops
        if not self.queued:
            self.queued = True
            log.info("hold music", extra={"at_s": round(self._position / SAMPLE_RATE, 1)})

    def silence(self) -> None:
        if self.queued:
            self.queued = False
            self._session.stop_playback()
