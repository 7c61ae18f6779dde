"""The voice gateway when the Tandem gateway cannot be reached: the caller hears the configured
apology (voice.unavailable, synthesised at start so it needs nothing else) and the gateway hangs up.

Only the voice gateway runs here, in direct mode (one process, no dispatcher); its gateway URL points
at a port where nothing listens."""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml

from tandem.config import CONFIG_ENV, REPO_ROOT, load_settings
from tandem.isolated import free_port, write_isolated_config
from tandem.processes import GATEWAY_PYTHON, ManagedProcess
from tests.sip.harness import phone
from tests.voice.speech import heard_text
from tests.voice.stack import process_log


def test_unreachable_gateway_gets_an_apology_and_a_hang_up(tmp_path: Path) -> None:
    (tmp_path / "stack").mkdir()
    config = write_isolated_config(tmp_path / "stack", gateway={"port": free_port()})  # nobody there
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["voice"]["processes"] = 1
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    settings = load_settings(config)
    env = {**os.environ, CONFIG_ENV: str(config), "PYTHONPATH": str(REPO_ROOT)}
    voice = ManagedProcess("voice", [str(GATEWAY_PYTHON), "-m", "voice_gateway"], env, tmp_path / "voice.log")
    voice.start()
    try:
        deadline = time.monotonic() + 60
        while not any(e.get("msg") == "voice gateway ready" for e in process_log(voice)):
            assert voice.exited() is None and time.monotonic() < deadline, voice.log_path.read_text()[-3000:]
            time.sleep(0.2)
        heard = tmp_path / "heard.wav"
        started = time.monotonic()
        caller = phone(
            tmp_path, f"sip:tandem@{settings.voice.host}:{settings.voice.port}",
            "--record", str(heard), "--duration", "30", "--user", "5550199",
        )  # fmt: skip
        caller.wait_for("disconnected", timeout=25)  # the gateway hangs up, long before 30 s
        assert time.monotonic() - started < 20
        assert caller.wait(10) == 0, caller.describe()
        text = heard_text(heard)
        assert "not available" in text and "call again" in text, text
        assert any(
            e.get("msg") == "gateway unreachable; apologising and hanging up" for e in process_log(voice)
        )
        assert voice.exited() is None  # still up for the next caller
    finally:
        voice.stop()
    assert voice.exited() == 0, voice.log_path.read_text()[-3000:]
