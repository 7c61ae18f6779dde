"""Issue 10, item 8: call recordings are private (0600 files in a 0700 folder), expire after the
configured retention (`python -m voice_gateway.recordings purge`, and at every start), and callers
are told, before the greeting, that the call is recorded."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tandem.config import load_settings
from tandem.isolated import write_isolated_config
from tests.sip.harness import REPO, echo_app, finished_phone
from voice_gateway.call_flow import opening
from voice_gateway.recordings import DAY_S, Recording, expired

pytestmark = pytest.mark.security

NOW = 1_800_000_000.0


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_recordings_are_readable_by_the_service_user_only(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    folder.mkdir(mode=0o755)  # a folder left open by an earlier version or by hand
    old_umask = os.umask(0o002)  # a lax umask in the service's environment
    try:
        with echo_app(tmp_path, "--record-dir", str(folder)) as app:
            finished_phone(tmp_path, app.uri(), "--duration", "1")
            ended = app.wait_for("disconnected")
    finally:
        os.umask(old_umask)
    recording = Path(ended["recording"])
    assert recording.parent == folder and recording.stat().st_size > 44  # a WAV with audio in it
    assert (mode(folder), mode(recording)) == (0o700, 0o600)


@pytest.mark.parametrize(
    ("ages_days", "retention_days", "expected"),
    [
        ([1, 29, 31, 400], 30, [31, 400]),
        ([0.5, 1.5], 1, [1.5]),
        ([1, 400], 0, []),  # 0 keeps every recording
        ([], 30, []),
        ([30 - 1 / 24, 30 + 1 / 24], 30, [30 + 1 / 24]),
    ],
)
def test_which_recordings_have_expired(
    ages_days: list[float], retention_days: int, expected: list[float]
) -> None:
    recordings = [Recording(Path(f"{age}.wav"), NOW - age * DAY_S) for age in ages_days]
    assert [r.path.name for r in expired(recordings, NOW, retention_days)] == [
        f"{age}.wav" for age in expected
    ]


def test_purge_command_deletes_only_recordings_past_the_retention(tmp_path: Path) -> None:
    config = write_isolated_config(tmp_path)
    settings = load_settings(config)
    folder = settings.resolve(settings.data_dir) / settings.voice.recordings_dir
    folder.mkdir(parents=True)
    days = settings.voice.recording_retention_days
    files = {name: folder / name for name in ("old.wav", "recent.wav", "old-notes.txt")}
    for path in files.values():
        path.write_bytes(b"RIFF")
    now = time.time()
    for name in ("old.wav", "old-notes.txt"):
        os.utime(files[name], (now - (days + 1) * DAY_S,) * 2)
    os.utime(files["recent.wav"], (now - (days - 1) * DAY_S,) * 2)
    result = subprocess.run(
        [sys.executable, "-m", "voice_gateway.recordings", "purge"],
        cwd=REPO, env={**os.environ, "TANDEM_CONFIG": str(config)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["old-notes.txt", "recent.wav"]
    assert "1 recording(s)" in result.stdout


@pytest.mark.parametrize(
    ("record_calls", "expected"),
    [
        (True, "This call is recorded. Thanks for calling."),
        (False, "Thanks for calling."),
    ],
)
def test_the_greeting_says_the_call_is_recorded_while_it_is(
    tmp_path: Path, record_calls: bool, expected: str
) -> None:
    settings = load_settings(write_isolated_config(tmp_path))
    voice = settings.voice.model_copy(
        update={"record_calls": record_calls, "greeting": "Thanks for calling."}
    )
    assert opening(voice) == expected
