"""Silero VAD on real recorded speech (an Asterisk prompt), silence and white noise, fed as 20 ms call frames."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voice_gateway.audio import FRAME_SAMPLES, pcm16_to_array, resample, split_frames
from voice_gateway.endpointing import Endpointer, EndpointingSettings, EventKind
from voice_gateway.vad import CHUNK_MS, CHUNK_SAMPLES, VoiceActivityDetector, speech_ms, speech_probabilities

PROMPT = Path(
    "/usr/share/asterisk/sounds/en/agent-alreadyon.wav"
)  # 5.5 s, "That agent is already logged on. ..."


@pytest.fixture(scope="module")
def prompt_16k() -> np.ndarray:
    with wave.open(str(PROMPT)) as wav:
        assert wav.getframerate() == 8000
        return resample(pcm16_to_array(wav.readframes(wav.getnframes())), 8000, 16000)


def frames_of(samples: np.ndarray) -> list[np.ndarray]:
    return split_frames(samples, FRAME_SAMPLES)


def test_speech_is_detected_in_a_real_prompt(prompt_16k: np.ndarray) -> None:
    probabilities = speech_probabilities(prompt_16k)
    assert max(probabilities) > 0.9
    assert speech_ms(probabilities, 0.5) > 0.5 * prompt_16k.size / 16  # most of the prompt is speech


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(16000 * 2, dtype=np.int16),
        (np.random.default_rng(7).standard_normal(16000 * 2) * 3000).astype(np.int16),  # about -21 dBFS
        (np.random.default_rng(8).standard_normal(16000 * 2) * 300).astype(np.int16),  # about -41 dBFS
    ],
    ids=["digital silence", "loud white noise", "quiet white noise"],
)
def test_no_speech_in_silence_or_white_noise(samples: np.ndarray) -> None:
    probabilities = speech_probabilities(samples)
    assert len(probabilities) == samples.size // CHUNK_SAMPLES + (samples.size % CHUNK_SAMPLES > 0)
    assert speech_ms(probabilities, 0.5) == 0


def test_20ms_frames_are_rechunked_into_timestamped_512_sample_chunks(prompt_16k: np.ndarray) -> None:
    detector = VoiceActivityDetector()
    results = [result for frame in frames_of(prompt_16k) for result in detector.push(frame)]
    whole = speech_probabilities(prompt_16k)
    assert [result.start_ms for result in results] == [i * CHUNK_MS for i in range(len(results))]
    assert [result.probability for result in results] == pytest.approx(whole[: len(results)])
    assert len(results) == (len(frames_of(prompt_16k)) * FRAME_SAMPLES) // CHUNK_SAMPLES


def test_a_frame_shorter_than_a_chunk_yields_nothing_until_complete() -> None:
    detector = VoiceActivityDetector()
    assert detector.push(np.zeros(320, dtype=np.int16)) == []
    (chunk,) = detector.push(np.zeros(320, dtype=np.int16))  # 640 samples: one chunk, 128 kept
    assert chunk.start_ms == 0
    assert [result.start_ms for result in detector.push(np.zeros(384, dtype=np.int16))] == [32.0]


def test_reset_restarts_the_stream(prompt_16k: np.ndarray) -> None:
    detector = VoiceActivityDetector()
    first = detector.push(prompt_16k[:16000])
    detector.push(prompt_16k[16000:20000])
    detector.reset()
    again = detector.push(prompt_16k[:16000])
    assert [(r.start_ms, r.probability) for r in again] == [(r.start_ms, r.probability) for r in first]


def test_push_refuses_floats() -> None:
    with pytest.raises(TypeError):
        VoiceActivityDetector().push(np.zeros(320, dtype=np.float32))


def test_vad_and_endpointer_find_the_turn_in_a_real_call_stream(prompt_16k: np.ndarray) -> None:
    """Silence, the prompt, silence, as 20 ms frames: one turn around the prompt, ended by end_silence_ms."""
    lead = np.zeros(16000, dtype=np.int16)
    stream = np.concatenate([lead, prompt_16k, np.zeros(16000 * 2, dtype=np.int16)])
    detector, endpointer = VoiceActivityDetector(), Endpointer(EndpointingSettings())
    events = [
        event
        for frame in frames_of(stream)
        for chunk in detector.push(frame)
        for event in endpointer.observe(chunk.start_ms, chunk.probability)
    ]
    kinds = [event.kind for event in events]
    assert kinds[0] == EventKind.SPEECH_STARTED and kinds[-1] == EventKind.TURN_ENDED
    assert kinds.count(EventKind.SPEECH_STARTED) == 1 and kinds.count(EventKind.TURN_ENDED) == 1
    ended = events[-1]
    prompt_end_ms = (lead.size + prompt_16k.size) / 16
    assert 1000 - 200 <= ended.speech_start_ms <= 1000 + 500  # the prompt starts after a short lead-in
    assert ended.speech_end_ms <= prompt_end_ms + CHUNK_MS
    assert ended.at_ms - ended.speech_end_ms >= EndpointingSettings().end_silence_ms
    assert ended.at_ms - prompt_end_ms < 1000  # the bot may answer within a second of the caller's last word
