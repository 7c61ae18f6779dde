"""Piper with the joe voice: one 16 kHz int16 chunk per sentence, audible, at the configured level."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from voice_gateway.audio import first_sound_index, rms_dbfs
from voice_gateway.tts import TextToSpeech, joe_voice_paths

PEAK_LEVEL = 0.8


@pytest.fixture(scope="module")
def tts() -> TextToSpeech:
    return TextToSpeech(*joe_voice_paths(), intra_op_threads=1, inter_op_threads=1, peak_level=PEAK_LEVEL)


def test_one_chunk_per_sentence_of_audible_16khz_audio(tts: TextToSpeech) -> None:
    chunks = list(tts.sentences("Hello. Thanks for calling Northwind Bank. How can I help you today?"))
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.dtype == np.int16 and chunk.ndim == 1
        assert 0.3 < chunk.size / 16000 < 3.0  # a short sentence at 16 kHz, not 22 050 Hz
        assert rms_dbfs(chunk) > -30
        assert np.abs(chunk.astype(np.int32)).max() == pytest.approx(PEAK_LEVEL * 32768, rel=0.05)


def test_sentences_after_the_first_start_with_a_pause(tts: TextToSpeech) -> None:
    first, second = tts.sentences("Hello. Goodbye.")
    pause = first_sound_index(second, threshold_dbfs=-50)
    assert pause is not None and pause >= 0.3 * 16000
    assert first_sound_index(first, threshold_dbfs=-50) < 0.1 * 16000


def test_sentences_are_synthesised_lazily(tts: TextToSpeech) -> None:
    """The first sentence can play before the next one exists: the iterator does the work on demand."""
    sentences = tts.sentences("One sentence. Another sentence.")
    first = next(sentences)
    assert first.size > 0
    assert len(list(sentences)) == 1


def test_slower_speech_is_longer(tts: TextToSpeech) -> None:
    text = "Please hold while I check your account."
    slow = TextToSpeech(*joe_voice_paths(), intra_op_threads=1, inter_op_threads=1, length_scale=2.0)
    assert next(slow.sentences(text)).size > 1.4 * next(tts.sentences(text)).size


def test_empty_text_yields_nothing(tts: TextToSpeech) -> None:
    assert list(tts.sentences("")) == []


def test_concurrent_synthesis_is_safe(tts: TextToSpeech) -> None:
    """espeak-ng's phonemizer is process-global; the lock keeps parallel calls from corrupting it."""
    texts = ["Your balance is ready.", "Your card is blocked.", "Goodbye."] * 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda text: list(tts.sentences(text)), texts))
    assert [len(chunks) for chunks in results] == [1] * len(texts)
    assert all(rms_dbfs(chunks[0]) > -30 for chunks in results)


@pytest.mark.parametrize(
    "options",
    [
        {"intra_op_threads": 0, "inter_op_threads": 1},
        {"intra_op_threads": 1, "inter_op_threads": 0},
        {"intra_op_threads": 1, "inter_op_threads": 1, "peak_level": 1.5},
        {"intra_op_threads": 1, "inter_op_threads": 1, "sentence_pause_ms": -1},
    ],
)
def test_invalid_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TextToSpeech(*joe_voice_paths(), **options)
