"""Caller speech made at test time (Piper) and Whisper on what the caller heard."""

from __future__ import annotations

import re
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

from voice_gateway.audio import SAMPLE_RATE, int16_to_float, resample
from voice_gateway.stt import SpeechToText, whisper_tiny_en_path
from voice_gateway.tts import TextToSpeech, joe_voice_paths


def say_wav(path: Path, timeline: list[tuple[float, str]], total_s: float, rate: int = SAMPLE_RATE) -> Path:
    """A mono 16-bit WAV of total_s seconds with each phrase spoken starting at its time."""
    out = np.zeros(int(total_s * rate), dtype=np.int16)
    for at_s, text in timeline:
        phrase = speak(text, rate)
        start = int(at_s * rate)
        out[start : start + phrase.size] = phrase[: out.size - start]
    write_wav(path, out, rate)
    return path


@lru_cache(maxsize=1)
def _caller_voice() -> TextToSpeech:
    return TextToSpeech(*joe_voice_paths(), intra_op_threads=1, inter_op_threads=1, length_scale=1.1)


def speak(text: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The caller's words, by Piper (espeak-ng's robotic voice was misheard: 'I lost' as 'I locked')."""
    return resample(np.concatenate(list(_caller_voice().sentences(text))), SAMPLE_RATE, rate)


def write_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(int16 samples shaped (n, channels), rate)."""
    with wave.open(str(path)) as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
        return data.reshape(-1, wav.getnchannels()), wav.getframerate()


@lru_cache(maxsize=1)
def whisper() -> SpeechToText:
    return SpeechToText(whisper_tiny_en_path(), cpu_threads=1, num_workers=1)


# How Whisper tiny, the test's ear, has written the bank's name down (seen in CI runs).
_BANK_NAME_HEARD_AS = re.compile(r"\bnorth[ -]?(?:one|wind|win|wynd)\b")


def heard_text(path: Path, start_s: float = 0.0, end_s: float | None = None) -> str:
    """What the caller heard (from start_s to end_s into the recording), as Whisper writes it (lower case,
    for assertions)."""
    samples, rate = read_wav(path)
    part = samples[int(start_s * rate) : None if end_s is None else int(end_s * rate), 0]
    mono = resample(part, rate, SAMPLE_RATE)
    return _BANK_NAME_HEARD_AS.sub("northwind", whisper().transcribe_full(int16_to_float(mono)).lower())
