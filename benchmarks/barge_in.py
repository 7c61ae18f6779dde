"""Barge-in as the caller meets it: from the moment they start talking over the bot to the moment the
bot's voice stops in their ear, over real calls into a whole isolated stack.

Each call is the SIP test phone (tests/sip/caller.py) playing silence and then, while the greeting is
still being spoken, a request; it records what it hears on the same time base as what it plays. The
bot counts as stopped at the first 100 ms of silence in the recording after the caller's first speech
sample. Measured in one run with the bot's hold off (it stops after min_barge_in_ms of speech) and on
(endpointing.hold_after_ms as config.yml sets it: it pauses at once, and stops or carries on later).

    .venv/bin/python -m benchmarks.barge_in
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import numpy as np
import yaml

from benchmarks.results import header, merge_results, percentile
from benchmarks.voice_latency import SPEECH_DBFS, THRESHOLD_DBFS, _require_clean, isolated_config
from tandem.config import settings
from tandem.isolated import prepared_stack
from tests.sip.harness import phone
from tests.voice.speech import read_wav, speak, write_wav
from tests.voice.stack import wait_voice_ready
from voice_gateway.audio import SAMPLE_RATE, first_sound_index, resample, rms_dbfs

CALLS = 10
REQUESTS = ["I'd like to talk to someone, please.", "Can I speak to a person?", "I lost my card."]
SILENT_MS = 100  # this much silence in the caller's ear: the bot has stopped
FRAME = SAMPLE_RATE // 100  # 10 ms


def bot_stopped_after(heard: np.ndarray, onset: int) -> int | None:
    """Samples from onset to the first SILENT_MS of silence, or None if the bot was not talking then."""
    if rms_dbfs(heard[max(onset - 20 * FRAME, 0) : onset]) < THRESHOLD_DBFS:
        return None  # silent just before: nothing was interrupted
    quiet = 0
    for start in range(onset, heard.size - FRAME, FRAME):
        quiet = quiet + 1 if rms_dbfs(heard[start : start + FRAME]) < THRESHOLD_DBFS else 0
        if quiet * 10 >= SILENT_MS:
            return start + FRAME - quiet * FRAME - onset
    return None


def calls(uri: str, folder: Path, rng: random.Random) -> tuple[list[float], int]:
    latencies, skipped = [], 0
    for index in range(CALLS):
        request = speak(rng.choice(REQUESTS))
        talk_at = rng.uniform(3.5, 7.0)  # the notice and the greeting take about 12 s
        said = np.concatenate([np.zeros(int(talk_at * SAMPLE_RATE), dtype=np.int16), request,
                               np.zeros(3 * SAMPLE_RATE, dtype=np.int16)])  # fmt: skip
        write_wav(folder / f"say{index}.wav", said, SAMPLE_RATE)
        heard_path = folder / f"heard{index}.wav"
        proc = phone(folder, uri, "--play", str(folder / f"say{index}.wav"), "--record", str(heard_path),
                     "--duration", f"{said.size / SAMPLE_RATE:.1f}", "--user", f"55570{index:02d}", name=f"b{index}")  # fmt: skip
        _require_clean(proc, said.size / SAMPLE_RATE + 60)
        samples, rate = read_wav(heard_path)
        heard = resample(samples[:, 0], rate, SAMPLE_RATE)
        onset = int(talk_at * SAMPLE_RATE) + (
            first_sound_index(request, threshold_dbfs=SPEECH_DBFS, frame_samples=80) or 0
        )
        stopped = bot_stopped_after(heard, onset)
        if stopped is None:
            skipped += 1
        else:
            latencies.append(stopped * 1000 / SAMPLE_RATE)
    return latencies, skipped


def run(hold_after_ms: float, seed: int) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory(prefix="tandem-barge-in-") as tmp:
        config = isolated_config(Path(tmp), 1)
        raw = yaml.safe_load(config.read_text(encoding="utf-8"))
        raw["tandem"]["voice"]["endpointing"]["hold_after_ms"] = hold_after_ms
        config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        stack = prepared_stack(config)
        try:
            stack.start()
            return calls(wait_voice_ready(stack), Path(tmp), random.Random(seed))
        finally:
            stack.stop()


def main() -> None:
    endpointing = settings().voice.endpointing
    runs = {0.0: run(0.0, 5), endpointing.hold_after_ms: run(endpointing.hold_after_ms, 5)}
    figures = {}
    for hold, (latencies, _) in runs.items():
        suffix = "" if hold else "_no_hold"
        figures[f"barge_in_caller_ms{suffix}"] = round(percentile(latencies, 50))
        figures[f"barge_in_caller_p95_ms{suffix}"] = round(percentile(latencies, 95))
    merge_results(figures)
    print(header(".venv/bin/python -m benchmarks.barge_in"))
    print(
        f"\nmin_barge_in_ms {endpointing.min_barge_in_ms:g}; the same {CALLS} calls (same seed) for each row."
    )
    print("\n| hold_after_ms | barge-ins measured | skipped | p50 ms | p95 ms |\n|---|---|---|---|---|")
    for hold, (latencies, skipped) in runs.items():
        print(
            f"| {hold:g} | {len(latencies)} | {skipped} | {percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} |"
        )


if __name__ == "__main__":
    main()
