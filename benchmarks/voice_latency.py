"""Voice turn latency, measured where the caller is: from the caller's last speech sample to the first
non-silent sample of the bot's reply, over real calls into a whole isolated stack.

Each call is the SIP test phone (tests/sip/caller.py, its own pjsua2 process) playing one WAV: the
greeting's length of silence, then utterances with a fixed gap for the reply. The utterances are real
8 kHz telephone recordings (asterisk-core-sounds-en-wav) and customer questions spoken by Piper. The
phone records what it hears from the moment media starts, the same moment its playback starts, so the
played WAV and the recording share one time base. A turn counts when the caller heard silence as it
stopped talking and a reply started before its next utterance; the others are reported, not hidden.

    .venv/bin/python -m benchmarks.voice_latency            # 1 call (>= 50 turns), then 4 concurrent
"""

from __future__ import annotations

import random
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.results import header, merge_results, percentile
from tandem.isolated import prepared_stack, write_isolated_config
from tests.sip.harness import Proc, phone
from tests.voice.speech import read_wav, speak, write_wav
from tests.voice.stack import wait_voice_ready
from voice_gateway.audio import SAMPLE_RATE, first_sound_index, resample

ASTERISK = Path("/usr/share/asterisk/sounds/en")
QUESTIONS = [
    "I lost my card.",
    "What is my balance?",
    "How do I activate my new card?",
    "My card was declined at the shop.",
    "What are your opening hours?",
    "I want to talk to a person.",
    "How long does a transfer take?",
    "Hello there.",
]
GREETING_S = 14.0  # config.yml's greeting plays first; the caller waits for it
GAP_S = 5.0  # after each utterance: room for the reply (a longer one is barged in on by the next)
THRESHOLD_DBFS = -40.0  # "non-silent": well above G.711's idle noise, well below speech
SPEECH_DBFS = -45.0


@dataclass(frozen=True)
class Utterance:
    start_s: float
    end_s: float  # the last speech sample sent


def utterances(count: int, rng: random.Random) -> list[np.ndarray]:
    """Two of every three are asterisk prompts of 1-4 s, the third a customer question."""
    prompts = []
    for path in sorted(ASTERISK.glob("*.wav")):
        with wave.open(str(path)) as wav:
            if 1.0 <= wav.getnframes() / wav.getframerate() <= 4.0:
                prompts.append(path)
    chosen = []
    for index in range(count):
        if index % 3 == 2:
            chosen.append(speak(rng.choice(QUESTIONS)))
        else:
            samples, rate = read_wav(rng.choice(prompts))
            chosen.append(resample(samples[:, 0], rate, SAMPLE_RATE))
    return chosen


def call_script(path: Path, phrases: list[np.ndarray]) -> list[Utterance]:
    """Write the caller's WAV; returns where each utterance's speech ends."""
    pieces, timeline, at = [np.zeros(int(GREETING_S * SAMPLE_RATE), dtype=np.int16)], [], GREETING_S
    for phrase in phrases:
        last = _last_sound(phrase)
        timeline.append(Utterance(at, at + last / SAMPLE_RATE))
        pieces += [phrase, np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.int16)]
        at += phrase.size / SAMPLE_RATE + GAP_S
    write_wav(path, np.concatenate(pieces), SAMPLE_RATE)
    return timeline


def _last_sound(samples: np.ndarray) -> int:
    reverse = first_sound_index(samples[::-1].copy(), threshold_dbfs=SPEECH_DBFS, frame_samples=160)
    return samples.size - (reverse or 0)


def turn_latencies(heard: Path, timeline: list[Utterance]) -> tuple[list[float], int]:
    """Latencies in ms, and how many turns could not be measured (overlap or no reply)."""
    samples, rate = read_wav(heard)
    audio = resample(samples[:, 0], rate, SAMPLE_RATE)
    latencies, skipped = [], 0
    for index, turn in enumerate(timeline):
        end = int(turn.end_s * SAMPLE_RATE)
        limit = int(timeline[index + 1].start_s * SAMPLE_RATE) if index + 1 < len(timeline) else audio.size
        before = audio[max(end - 1600, 0) : end]
        onset = first_sound_index(audio[end:limit], threshold_dbfs=THRESHOLD_DBFS, frame_samples=80)
        if (
            first_sound_index(before, threshold_dbfs=THRESHOLD_DBFS, frame_samples=80) is not None
            or onset is None
        ):
            skipped += 1
            continue
        latencies.append(onset * 1000 / SAMPLE_RATE)
    return latencies, skipped


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 10 ms


def run_calls(
    uri: str, folder: Path, calls: int, turns_per_call: int, rng: random.Random
) -> dict[str, float]:
    scripts, procs = [], []
    for index in range(calls):
        timeline = call_script(folder / f"say{index}.wav", utterances(turns_per_call, rng))
        duration = timeline[-1].end_s + GAP_S
        heard = folder / f"heard{index}.wav"
        procs.append(
            phone(folder, uri, "--play", str(folder / f"say{index}.wav"), "--record", str(heard),
                  "--duration", f"{duration:.1f}", "--user", f"55590{calls}{index}", name=f"c{calls}_{index}")
        )  # fmt: skip
        scripts.append((heard, timeline, duration))
    for proc in procs:
        _require_clean(proc, scripts[0][2] + 60)
    latencies, skipped = [], 0
    for heard, timeline, _ in scripts:
        measured, missed = turn_latencies(heard, timeline)
        latencies += measured
        skipped += missed
    return {
        "turns": len(latencies),
        "skipped": skipped,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "call_minutes": sum(duration for *_, duration in scripts) / 60,
    }


def _require_clean(proc: Proc, timeout_s: float) -> None:
    code = proc.wait(timeout_s)
    if code != 0:
        raise RuntimeError(f"caller failed\n{proc.describe()}")


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="tandem-voice-bench-") as tmp:
        root = Path(tmp)
        stack = prepared_stack(write_isolated_config(root))
        try:
            stack.start()
            uri = wait_voice_ready(stack)
            voice_process = stack.process("voice").process
            assert voice_process is not None
            cpu_before, started = cpu_seconds(voice_process.pid), time.monotonic()
            one = run_calls(uri, root, 1, 50, rng)
            four = run_calls(uri, root, 4, 13, rng)
            cpu = cpu_seconds(voice_process.pid) - cpu_before
            wall = time.monotonic() - started
        finally:
            stack.stop()
    call_minutes = one["call_minutes"] + four["call_minutes"]
    under = [c for c, run in ((1, one), (4, four)) if run["p95"] < 1500]
    figures = {
        "voice_turn_p50_ms": round(one["p50"]),
        "voice_turn_p95_ms": round(one["p95"]),
        "voice_turn_p95_ms_c4": round(four["p95"]),
        "voice_max_calls_p95_under_1500ms": max(under, default=0),
        "cpu_s_per_call_minute": round(cpu / call_minutes, 2),
    }
    merge_results(figures)
    print(header(".venv/bin/python -m benchmarks.voice_latency"))
    print("\n| concurrent calls | turns measured | turns skipped | p50 ms | p95 ms |\n|---|---|---|---|---|")
    for calls, run in ((1, one), (4, four)):
        print(f"| {calls} | {run['turns']} | {run['skipped']} | {run['p50']:.0f} | {run['p95']:.0f} |")
    print(
        f"\nVoice gateway process: {cpu:.1f} CPU s over {call_minutes:.1f} call-minutes "
        f"({wall:.0f} s wall): {figures['cpu_s_per_call_minute']} CPU s per call-minute.  \n"
        "8 concurrent calls need a second voice gateway process (pjsua2's 4-call limit): not measured."
    )


if __name__ == "__main__":
    main()
