"""A long run: 30 sequential calls through one endpoint process, with recording on. Threads and
file descriptors must come back to where they were after the first call, every call must end with
a complete recording, and the process must then stop cleanly (exit code 0, no abort)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sip.audio_check import load_wav, sox_tone
from tests.sip.harness import echo_app, finished_phone

CALLS = 30


@pytest.mark.slow
def test_thirty_sequential_calls_leak_nothing_and_shut_down_cleanly(tmp_path: Path) -> None:
    tone = sox_tone(tmp_path / "tone.wav", 440, 2)
    with echo_app(tmp_path, "--record-dir", str(tmp_path / "rec")) as app:
        samples: list[tuple[int, int]] = []
        for index in range(CALLS):
            method = "info" if index % 2 else "rfc4733"
            finished_phone(
                tmp_path,
                app.uri(),
                "--play",
                str(tone),
                "--duration",
                "0.8",
                "--dtmf",
                f"0.2:{index % 10}:{method}",
                name=f"caller{index:02d}",
            )
            app.wait_for("disconnected", count=index + 1)
            samples.append((app.fd_count(), app.thread_count()))
        ended = app.all("disconnected")
        digits = [event["digit"] for event in app.all("dtmf")]
    baseline = samples[0]
    assert all(sample == baseline for sample in samples[1:]), (
        f"fds/threads drifted from {baseline}: {samples}"
    )
    assert len(ended) == CALLS and all(event["code"] == 200 for event in ended)
    assert digits == [str(index % 10) for index in range(CALLS)]
    for event in ended:
        recording, rate = load_wav(Path(event["recording"]))
        assert recording.shape[1] == 2 and abs(recording.shape[0] / rate - event["duration"]) < 0.3
