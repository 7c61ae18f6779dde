"""The listening stage of a call: caller frames -> Silero VAD -> Endpointer, keeping the recent audio.

Stream time (samples received so far) is the call's one clock: the VAD stamps its chunks with it,
the endpointer decides with it, and playback and keypad timing are reported in it, so every
decision is reproducible from the audio alone.
"""

from __future__ import annotations

import numpy as np

from voice_gateway.audio import SAMPLE_RATE, pcm16_to_array
from voice_gateway.endpointing import Endpointer, EndpointingSettings, Event
from voice_gateway.vad import VoiceActivityDetector

# Whisper misses a clipped first phoneme: a turn's audio starts this much before the VAD's onset and
# ends this much after its last speech chunk.
PRE_ROLL_MS = 150.0
POST_ROLL_MS = 100.0
_SAMPLES_PER_MS = SAMPLE_RATE / 1000


class Listener:
    def __init__(self, settings: EndpointingSettings) -> None:
        self.endpointer = Endpointer(settings)
        self._vad = VoiceActivityDetector()
        # Enough history for the longest turn plus its pre-roll; older audio is dropped.
        self._keep = int((settings.max_turn_ms + 2 * PRE_ROLL_MS + 1000) * _SAMPLES_PER_MS)
        self._audio = np.zeros(0, dtype=np.int16)
        self._dropped = 0  # samples before self._audio[0]
        self._received = 0

    @property
    def now_ms(self) -> float:
        return self._received / _SAMPLES_PER_MS

    def push(self, frame: bytes) -> list[Event]:
        """One caller frame (16 kHz int16 PCM); returns the endpointer's events it caused."""
        samples = pcm16_to_array(frame)
        self._received += samples.size
        self._audio = np.concatenate((self._audio, samples))
        if self._audio.size > 2 * self._keep:  # trim in batches, not every frame
            cut = self._audio.size - self._keep
            self._audio, self._dropped = self._audio[cut:], self._dropped + cut
        events: list[Event] = []
        for chunk in self._vad.push(samples):
            events.extend(self.endpointer.observe(chunk.start_ms, chunk.probability))
        return events

    def audio(self, start_ms: float, end_ms: float) -> np.ndarray:
        """The caller's audio of a turn, padded by the pre- and post-roll."""
        start = max(int((start_ms - PRE_ROLL_MS) * _SAMPLES_PER_MS) - self._dropped, 0)
        end = max(int((end_ms + POST_ROLL_MS) * _SAMPLES_PER_MS) - self._dropped, 0)
        return self._audio[start:end].copy()
