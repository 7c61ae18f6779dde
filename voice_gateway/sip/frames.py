"""The frame format at the SIP boundary, and a fast copy out of pjsua2's frame buffers.

Every call talks to the application in 20 ms frames of 16 kHz mono little-endian int16 (640 bytes),
whatever codec is on the wire; the conference bridge resamples.

pjsua2 hands a received frame over as a SWIG ``ByteVector`` (a ``std::vector<unsigned char>``).
``bytes(vector)`` iterates it element by element through SWIG: about 0.45 ms per frame, on the media
clock thread, 50 times a second per call. The vector's storage is contiguous, so ``vector_bytes``
reads its begin/end pointers and copies with one memcpy (a few microseconds). That relies on
libstdc++'s layout (begin, end, capacity pointers), so ``fast_copy_works`` checks it once against
the slow path at import and the slow path is used if it ever disagrees.
"""

from __future__ import annotations

import ctypes

import pjsua2 as pj

SAMPLE_RATE = 16_000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 320
FRAME_BYTES = FRAME_SAMPLES * 2  # 640
SILENCE = bytes(FRAME_BYTES)

_BEGIN_END = ctypes.c_void_p * 2


def _fast_vector_bytes(vector: pj.ByteVector) -> bytes:
    begin, end = _BEGIN_END.from_address(int(vector.this))
    if not begin or not end:
        return b""
    return ctypes.string_at(begin, end - begin)


def _slow_vector_bytes(vector: pj.ByteVector) -> bytes:
    return bytes(vector)


def fast_copy_works() -> bool:
    """True when the pointer read gives exactly what SWIG's element-wise copy gives."""
    probes = [bytes(range(256)) * 2 + b"tail", SILENCE, b""]
    return all(_fast_vector_bytes(pj.ByteVector(probe)) == probe for probe in probes)


vector_bytes = _fast_vector_bytes if fast_copy_works() else _slow_vector_bytes


def split_frames(pcm: bytes) -> list[bytes]:
    """Cut int16 PCM into 640-byte frames; the last one is padded with silence (at most 20 ms)."""
    if len(pcm) % 2:
        raise ValueError(f"int16 PCM needs an even number of bytes, got {len(pcm)}")
    frames = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
    if frames and len(frames[-1]) < FRAME_BYTES:
        frames[-1] = frames[-1] + SILENCE[len(frames[-1]) :]
    return frames
