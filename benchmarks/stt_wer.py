"""Telephone speech-to-text benchmark on real recorded prompts: WER and latency, 10 s window vs full window.

Run: .venv/bin/python -m benchmarks.stt_wer [--limit N] [--cpu-threads 2] [--beam-size 1]
Needs the Debian packages asterisk-core-sounds-en-wav (8 kHz WAV prompts) and asterisk-core-sounds-en
(their transcripts). Every prompt longer than 1.5 s with a spoken transcript goes the way a caller's
voice does: 8 kHz -> G.711 mu-law encode/decode -> 16 kHz -> Silero VAD gate -> Whisper tiny.en. The
same gated audio is transcribed by both paths in one run, so the ratio compares like with like.
Text is normalised with Whisper's own English normaliser (case, punctuation, spelled and written
numbers) after mapping the keypad symbols to the words a speaker says. Merges the stt_* keys into
benchmarks/results.json and prints a Markdown block for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
import wave
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

from benchmarks.results import header, merge_results, percentile
from voice_gateway.audio import mulaw_decode, mulaw_encode, pcm16_to_array, resample
from voice_gateway.stt import SpeechToText, SttPath, Transcript, whisper_tiny_en_path
from voice_gateway.vad import speech_ms, speech_probabilities

PROMPTS_DIR = Path("/usr/share/asterisk/sounds/en")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
COMMAND = ".venv/bin/python -m benchmarks.stt_wer"
MIN_DURATION_S = 1.5
WINDOW_S = 10.0
VAD_THRESHOLD = 0.5
GOAL_WER = 0.05
_NORMALISER = EnglishTextNormalizer({})
_SYMBOLS = str.maketrans({"*": " star ", "#": " pound "})
_ANNOTATION = re.compile(r"\[[^]]*\]|\([^)]*\)")


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str  # "" for a recording of non-speech (silence, tones, monkeys)
    samples: np.ndarray  # 8 kHz int16, as recorded


def load_prompts() -> list[Prompt]:
    """Every prompt longer than MIN_DURATION_S. Annotations such as "[beep tone]" or "(10 seconds of
    silence)" describe the recording instead of transcribing it and are removed."""
    prompts = []
    with gzip.open(TRANSCRIPTS, "rt", encoding="utf-8") as handle:
        for line in handle:
            name, _, text = line.partition(":")
            path = PROMPTS_DIR / f"{name.strip()}.wav"
            if line.startswith(";") or not path.exists():
                continue
            with wave.open(str(path)) as wav:
                if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (8000, 1, 2):
                    continue
                samples = pcm16_to_array(wav.readframes(wav.getnframes()))
            if samples.size / 8000 > MIN_DURATION_S:
                prompts.append(Prompt(name.strip(), _ANNOTATION.sub(" ", text).strip(), samples))
    return sorted(prompts, key=lambda prompt: prompt.name)


def telephone(samples_8k: np.ndarray) -> np.ndarray:
    """What the gateway receives from a PCMU call: companded 8 kHz audio, upsampled to the pipeline's 16 kHz."""
    return resample(mulaw_decode(mulaw_encode(samples_8k)), 8000, 16000)


def normalise(text: str) -> list[str]:
    return _NORMALISER(text.translate(_SYMBOLS)).split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words: substitutions + deletions + insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


@dataclass
class PathResult:
    errors: int = 0
    words: int = 0
    ms: list[float] = field(default_factory=list)
    worst: list[tuple[int, str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reference: list[str], transcript: Transcript, elapsed_ms: float) -> None:
        errors = word_errors(reference, normalise(transcript.text))
        self.errors += errors
        self.words += len(reference)
        self.ms.append(elapsed_ms)
        self.counts[transcript.path] += 1
        if errors:
            self.worst.append((errors, " ".join(reference), transcript.text))

    @property
    def wer(self) -> float:
        return self.errors / self.words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="first N prompts by name, a quick look: results.json is left alone",
    )
    parser.add_argument("--cpu-threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=1)
    args = parser.parse_args()

    prompts = load_prompts()[: args.limit or None]
    speech_prompts = [prompt for prompt in prompts if prompt.text]
    model = whisper_tiny_en_path()
    common = {"cpu_threads": args.cpu_threads, "num_workers": 1, "beam_size": args.beam_size}
    window_stt = SpeechToText(model, window_s=WINDOW_S, **common)
    full_stt = SpeechToText(model, window_s=None, **common)
    warmup = telephone(speech_prompts[0].samples)
    for stt in (window_stt, full_stt):
        stt.transcribe(warmup, speech_ms=1000.0)

    window, full, window_fitting, full_fitting = PathResult(), PathResult(), PathResult(), PathResult()
    vad_ms: list[float] = []
    leaked: list[str] = []  # non-speech recordings that got past the gate
    for prompt in prompts:
        audio = telephone(prompt.samples)
        started = time.perf_counter()
        speech = speech_ms(speech_probabilities(audio), VAD_THRESHOLD)
        vad_ms.append((time.perf_counter() - started) * 1000)
        if not prompt.text:
            if speech >= window_stt.min_speech_ms:
                leaked.append(f"{prompt.name}: {window_stt.transcribe(audio, speech).text!r}")
            continue
        reference = normalise(prompt.text)
        timed = []
        for stt, result in ((window_stt, window), (full_stt, full)):
            started = time.perf_counter()
            transcript = stt.transcribe(audio, speech)
            elapsed = (time.perf_counter() - started) * 1000
            result.add(reference, transcript, elapsed)
            timed.append((transcript, elapsed))
        if audio.size <= WINDOW_S * 16000:
            window_fitting.add(reference, *timed[0])
            full_fitting.add(reference, *timed[1])

    for errors, reference, hypothesis in sorted(window.worst, reverse=True)[:8]:
        print(f"10 s window, {errors} errors: {reference!r} -> {hypothesis!r}")
    for line in leaked:
        print(f"non-speech past the VAD gate: {line}")

    figures = {
        "stt_wer_telephony": round(window.wer, 4),
        "stt_wer_telephony_full_window": round(full.wer, 4),
        "stt_ms_per_utterance_p50": round(percentile(window.ms, 50), 1),
        "stt_ms_per_utterance_p95": round(percentile(window.ms, 95), 1),
        "stt_full_window_ms_per_utterance_p50": round(percentile(full.ms, 50), 1),
        "stt_full_window_ms_per_utterance_p95": round(percentile(full.ms, 95), 1),
        "stt_wer_utterances": len(speech_prompts),
    }
    if not args.limit:
        merge_results(figures)

    rows = "\n".join(
        f"| {label} | {result.wer:.2%} ({result.errors}/{result.words}) | "
        f"{percentile(result.ms, 50):.0f} | {percentile(result.ms, 95):.0f} |"
        for label, result in (
            (f"10 s window (production), all {len(speech_prompts)}", window),
            (f"full 30 s window, all {len(speech_prompts)}", full),
            (f"10 s window, the {len(window_fitting.ms)} that fit it", window_fitting),
            (f"full 30 s window, the same {len(full_fitting.ms)}", full_fitting),
        )
    )
    audio_min = sum(prompt.samples.size for prompt in speech_prompts) / 8000 / 60
    command = " ".join([COMMAND, *sys.argv[1:]])
    print(
        f"\n### Speech-to-text on telephone audio (Whisper tiny.en int8, {args.cpu_threads} threads, "
        f"beam {args.beam_size})\n\n{header(command)}\n\n"
        f"{len(speech_prompts)} recorded Asterisk prompts > {MIN_DURATION_S} s ({audio_min:.1f} min of speech), "
        "8 kHz -> G.711 mu-law -> 16 kHz -> Silero VAD gate -> STT, the same audio through both paths. "
        f"Prompts longer than the window take the standard path in production too: "
        f"{window.counts[SttPath.FULL]}. Speech prompts stopped by the gate: {window.counts[SttPath.SKIPPED]}. "
        f"Non-speech recordings (silence, tones): {len(prompts) - len(speech_prompts)}, "
        f"past the gate: {len(leaked)}.\n\n"
        "| path, prompts | WER (errors/words) | ms/utterance p50 | p95 |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        f"Time ratio 10 s window / full window, p50 over all: {percentile(window.ms, 50) / percentile(full.ms, 50):.2f}; "
        f"WER difference: {(window.wer - full.wer) * 100:+.2f} points. "
        f"VAD over each whole prompt: p50 {percentile(vad_ms, 50):.0f} ms. "
        f"Goal WER <= {GOAL_WER:.0%}: {'met' if window.wer <= GOAL_WER else 'NOT met'}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
