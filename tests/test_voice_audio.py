"""Audio helpers: PCM conversion, G.711 bit-exact against the stdlib reference, resampling, framing, levels."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from voice_gateway import audio

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the reference G.711 codec (Sun's g711.c); gone in Python 3.13, present in 3.11

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))


def tone(frequency: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return audio.float_to_int16(amplitude * np.sin(2 * np.pi * frequency * t))


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


def test_pcm16_round_trip_is_exact_little_endian() -> None:
    data = audio.array_to_pcm16(ALL_INT16)
    assert data[:2] == b"\x00\x80"  # -32768, little-endian
    assert np.array_equal(audio.pcm16_to_array(data), ALL_INT16)


def test_pcm16_rejects_odd_bytes_and_float_arrays() -> None:
    with pytest.raises(ValueError):
        audio.pcm16_to_array(b"\x00\x01\x02")
    with pytest.raises(TypeError):
        audio.array_to_pcm16(np.zeros(4, dtype=np.float32))


def test_float_conversion_round_trips_and_saturates() -> None:
    assert np.array_equal(audio.float_to_int16(audio.int16_to_float(ALL_INT16)), ALL_INT16)
    assert audio.float_to_int16(np.array([1.5, -1.5, 1.0])).tolist() == [32767, -32768, 32767]


@pytest.mark.parametrize(
    ("encode", "decode", "reference_encode", "reference_decode"),
    [
        (audio.mulaw_encode, audio.mulaw_decode, audioop.lin2ulaw, audioop.ulaw2lin),
        (audio.alaw_encode, audio.alaw_decode, audioop.lin2alaw, audioop.alaw2lin),
    ],
    ids=["mu-law", "A-law"],
)
def test_g711_is_bit_exact_with_the_reference(encode, decode, reference_encode, reference_decode) -> None:
    assert encode(ALL_INT16) == reference_encode(ALL_INT16.tobytes(), 2)
    assert np.array_equal(decode(ALL_CODES), np.frombuffer(reference_decode(ALL_CODES, 2), dtype=np.int16))


def test_g711_codes_survive_decode_then_encode() -> None:
    assert audio.alaw_encode(audio.alaw_decode(ALL_CODES)) == ALL_CODES
    # mu-law has two codes for zero (0x7F is "-0"); every other code comes back unchanged.
    round_trip = audio.mulaw_encode(audio.mulaw_decode(ALL_CODES))
    assert [code for code in range(256) if round_trip[code] != code] == [0x7F]


@pytest.mark.parametrize(
    "encode, decode", [(audio.mulaw_encode, audio.mulaw_decode), (audio.alaw_encode, audio.alaw_decode)]
)
def test_g711_keeps_a_tone_within_its_quantisation_error(encode, decode) -> None:
    signal = tone(440, 0.5, 8000)
    decoded = decode(encode(signal))
    assert decoded.dtype == np.int16 and decoded.size == signal.size
    noise = np.sqrt(np.mean((decoded.astype(float) - signal) ** 2))
    assert 20 * math.log10(np.sqrt(np.mean(signal.astype(float) ** 2)) / noise) > 33  # G.711 SNR is ~38 dB


@pytest.mark.parametrize(
    ("from_rate", "to_rate", "samples", "expected"),
    [
        (22050, 16000, 22050, 16000),
        (22050, 16000, 1001, 727),  # ceil(1001 * 320 / 441)
        (8000, 16000, 160, 320),  # one 20 ms frame
        (8000, 16000, 1, 2),
        (16000, 8000, 320, 160),
        (16000, 16000, 123, 123),
        (22050, 16000, 0, 0),
    ],
)
def test_resample_preserves_duration(from_rate: int, to_rate: int, samples: int, expected: int) -> None:
    out = audio.resample(np.zeros(samples, dtype=np.int16), from_rate, to_rate)
    assert out.dtype == np.int16 and out.size == expected


@pytest.mark.parametrize(("from_rate", "to_rate"), [(22050, 16000), (8000, 16000)])
def test_resample_keeps_pitch_and_level(from_rate: int, to_rate: int) -> None:
    out = audio.resample(tone(1000, 1.0, from_rate), from_rate, to_rate)
    assert dominant_frequency(out, to_rate) == pytest.approx(1000, abs=2)
    middle = out[to_rate // 10 : -to_rate // 10]  # skip the filter's edges
    assert audio.rms_dbfs(middle) == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)


def test_resample_rejects_bad_rates() -> None:
    with pytest.raises(ValueError):
        audio.resample(np.zeros(10, dtype=np.int16), 0, 16000)


def test_split_frames_pads_the_last_frame_and_join_restores_the_audio() -> None:
    samples = np.arange(1000, dtype=np.int16)
    frames = audio.split_frames(samples)
    assert [frame.size for frame in frames] == [320] * 4
    assert not frames[-1][1000 - 960 :].any()
    assert np.array_equal(audio.join_frames(frames)[:1000], samples)
    assert audio.split_frames(np.zeros(0, dtype=np.int16)) == []
    assert audio.join_frames([]).size == 0


def test_split_frames_of_exact_multiple_adds_no_frame() -> None:
    assert len(audio.split_frames(np.ones(640, dtype=np.int16))) == 2
    with pytest.raises(ValueError):
        audio.split_frames(np.ones(640, dtype=np.int16), 0)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (np.full(320, 32767, dtype=np.int16), 0.0),
        (np.tile(np.array([16384, -16384], dtype=np.int16), 160), -6.02),
        (tone(1000, 0.02, 16000, amplitude=1.0), -3.01),
        (np.full(320, 33, dtype=np.int16), -59.94),
    ],
)
def test_rms_dbfs(frame: np.ndarray, expected: float) -> None:
    assert audio.rms_dbfs(frame) == pytest.approx(expected, abs=0.01)


def test_rms_dbfs_of_silence_is_minus_infinity() -> None:
    assert audio.rms_dbfs(np.zeros(320, dtype=np.int16)) == -math.inf
    assert audio.rms_dbfs(np.zeros(0, dtype=np.int16)) == -math.inf


def test_first_sound_index_finds_the_first_loud_frame() -> None:
    samples = np.concatenate(
        [np.zeros(1000, dtype=np.int16), np.full(200, 2, dtype=np.int16), tone(300, 0.1, 16000)]
    )
    assert audio.first_sound_index(samples, threshold_dbfs=-40) == 960  # the frame holding sample 1200
    assert audio.first_sound_index(samples, threshold_dbfs=-40, frame_samples=100) == 1200
    assert audio.first_sound_index(np.zeros(3200, dtype=np.int16), threshold_dbfs=-60) is None
