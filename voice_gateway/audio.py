"""Pure audio helpers for the call pipeline: PCM conversion, resampling, G.711, 20 ms framing, levels.

Everything inside a call is 16 kHz mono int16; these helpers are the only place where another rate or
encoding meets that format, so the conversions are exact, vectorised and free of I/O and state.
"""

from __future__ import annotations

import math
from math import gcd

import numpy as np
from scipy.signal import resample_poly

SAMPLE_RATE = 16_000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 320: what the SIP layer hands over and expects back
_INT16_SCALE = 32768.0


def pcm16_to_array(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Little-endian int16 bytes (what RTP payload decoders and WAV files carry) to an int16 array."""
    if len(data) % 2:
        raise ValueError(f"int16 PCM needs an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16, copy=True)


def array_to_pcm16(samples: np.ndarray) -> bytes:
    """An int16 array to little-endian bytes; refuses floats so a forgotten conversion cannot wrap around."""
    if samples.dtype != np.int16:
        raise TypeError(f"expected int16 samples, got {samples.dtype}")
    return samples.astype("<i2", copy=False).tobytes()


def int16_to_float(samples: np.ndarray) -> np.ndarray:
    """int16 to float32 in [-1, 1): the input format of Whisper and of Silero's float API."""
    return samples.astype(np.float32) / np.float32(_INT16_SCALE)


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    """float in [-1, 1] to int16 with rounding and clipping, so resampling overshoot saturates instead of wrapping."""
    scaled = np.rint(np.asarray(samples, dtype=np.float64) * _INT16_SCALE)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample int16 audio with a polyphase FIR (22 050 -> 16 000 is 320/441, 8 000 -> 16 000 is 2/1).

    The output has ceil(len * to_rate / from_rate) samples, so durations are preserved to one sample.
    """
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError("sample rates must be positive")
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.int16, copy=True)
    divisor = gcd(from_rate, to_rate)
    resampled = resample_poly(int16_to_float(samples), to_rate // divisor, from_rate // divisor)
    return float_to_int16(resampled)


# --- G.711 (ITU-T G.711, the classic Sun reference algorithm, bit-exact with it) ----------------------
# Lookup tables: encoding indexes a 65 536-entry table by the int16 bit pattern, decoding a 256-entry one.

_SEG_MU_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_SEG_A_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
_ALL_INT16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)
_ALL_CODES = np.arange(256, dtype=np.int32)


def _mulaw_encode_table() -> np.ndarray:
    value = _ALL_INT16 >> 2  # 14-bit linear
    mask = np.where(value < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(value), 8159) + 0x21
    segment = np.searchsorted(_SEG_MU_END, magnitude, side="left")
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _mulaw_decode_table() -> np.ndarray:
    inverted = ~_ALL_CODES & 0xFF
    magnitude = (((inverted & 0x0F) << 3) + 0x84) << ((inverted & 0x70) >> 4)
    return np.where(inverted & 0x80, 0x84 - magnitude, magnitude - 0x84).astype(np.int16)


def _alaw_encode_table() -> np.ndarray:
    value = _ALL_INT16 >> 3  # 13-bit linear
    mask = np.where(value >= 0, 0xD5, 0x55)
    magnitude = np.where(value >= 0, value, -value - 1)
    segment = np.searchsorted(_SEG_A_END, magnitude, side="left")
    shift = np.where(segment < 2, 1, segment)
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> np.minimum(shift, 7)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _alaw_decode_table() -> np.ndarray:
    toggled = _ALL_CODES ^ 0x55
    segment = (toggled & 0x70) >> 4
    base = (toggled & 0x0F) << 4
    magnitude = np.where(
        segment == 0,
        base + 8,
        np.where(segment == 1, base + 0x108, (base + 0x108) << np.maximum(segment - 1, 0)),
    )
    return np.where(toggled & 0x80, magnitude, -magnitude).astype(np.int16)


_MULAW_ENCODE = _mulaw_encode_table()
_MULAW_DECODE = _mulaw_decode_table()
_ALAW_ENCODE = _alaw_encode_table()
_ALAW_DECODE = _alaw_decode_table()


def _encode(samples: np.ndarray, table: np.ndarray) -> bytes:
    if samples.dtype != np.int16:
        raise TypeError(f"expected int16 samples, got {samples.dtype}")
    return table[samples.view(np.uint16)].tobytes()


def mulaw_encode(samples: np.ndarray) -> bytes:
    """int16 to G.711 mu-law (PCMU) bytes, one byte per sample."""
    return _encode(samples, _MULAW_ENCODE)


def mulaw_decode(data: bytes | bytearray | memoryview) -> np.ndarray:
    """G.711 mu-law (PCMU) bytes to int16."""
    return _MULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(samples: np.ndarray) -> bytes:
    """int16 to G.711 A-law (PCMA) bytes, one byte per sample."""
    return _encode(samples, _ALAW_ENCODE)


def alaw_decode(data: bytes | bytearray | memoryview) -> np.ndarray:
    """G.711 A-law (PCMA) bytes to int16."""
    return _ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


# --- framing and levels ------------------------------------------------------------------------------


def split_frames(samples: np.ndarray, frame_samples: int = FRAME_SAMPLES) -> list[np.ndarray]:
    """Cut audio into fixed frames for playback; the last one is padded with silence because the media
    clock always asks for a whole frame."""
    if frame_samples <= 0:
        raise ValueError("frame_samples must be positive")
    count = math.ceil(samples.size / frame_samples)
    padded = np.zeros(count * frame_samples, dtype=samples.dtype)
    padded[: samples.size] = samples
    return list(padded.reshape(count, frame_samples))


def join_frames(frames: list[np.ndarray]) -> np.ndarray:
    """Frames back to one int16 array (e.g. a caller's turn for speech-to-text)."""
    if not frames:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate(frames).astype(np.int16, copy=False)


def rms_dbfs(frame: np.ndarray) -> float:
    """RMS level in dB relative to a full-scale square wave; -inf for digital silence."""
    if frame.size == 0:
        return -math.inf
    rms = math.sqrt(float(np.mean(np.square(frame.astype(np.float64)))))
    return 20 * math.log10(rms / _INT16_SCALE) if rms > 0 else -math.inf


def first_sound_index(
    samples: np.ndarray, *, threshold_dbfs: float, frame_samples: int = FRAME_SAMPLES
) -> int | None:
    """Start index of the first frame at or above threshold_dbfs, or None: how latency measurements find
    the moment the bot's voice starts in a recording, with frame resolution."""
    for start in range(0, samples.size, frame_samples):
        if rms_dbfs(samples[start : start + frame_samples]) >= threshold_dbfs:
            return start
    return None
