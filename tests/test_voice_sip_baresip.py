"""One end-to-end call from a real softphone: baresip, headless, configured through a temporary
config directory, plays a sox WAV into a call to the echo application and dumps what it hears
(sndfile module). Nothing of pjsua2 on the caller's side."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tandem.isolated import free_port, rtp_base
from tests.sip.audio_check import has_tone, load_wav, sox_tone
from tests.sip.harness import echo_app

MODULES = ["g711.so", "aufile.so", "aubridge.so", "sndfile.so"]


def baresip_config(folder: Path, source: Path, dumps: Path, user: str = "alice") -> Path:
    """aufile reads the WAV as the microphone; aubridge is a do-nothing speaker; sndfile writes the
    decoded (heard) and encoded (sent) audio to dumps/*-dec.wav and *-enc.wav; menu runs -e commands."""
    rtp = rtp_base()
    lines = [
        "poll_method epoll",
        f"sip_listen 127.0.0.1:{free_port()}",
        "sip_transports udp",
        "audio_player aubridge,nowhere",
        "audio_alert aubridge,nowhere",
        f"audio_source aufile,{source}",
        "ausrc_srate 8000",
        "auplay_srate 8000",
        f"rtp_ports {rtp}-{rtp + 20}",
        f"snd_path {dumps}",
        "module_path /usr/lib/baresip/modules",
        *(f"module {module}" for module in MODULES),
        "module_app account.so",
        "module_app menu.so",
    ]
    folder.mkdir()
    (folder / "config").write_text("\n".join(lines) + "\n")
    (folder / "accounts").write_text(f"<sip:{user}@127.0.0.1>;regint=0;audio_codecs=PCMU\n")
    return folder


def test_baresip_calls_the_endpoint_end_to_end(tmp_path: Path) -> None:
    source = sox_tone(tmp_path / "500.wav", 500, 6, rate=8000)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    config = baresip_config(tmp_path / "baresip", source, dumps)
    with echo_app(tmp_path, "--record-dir", str(tmp_path / "rec")) as app:
        with (tmp_path / "baresip.log").open("wb") as log:
            result = subprocess.run(
                ["baresip", "-f", str(config), "-e", f"/dial {app.uri()}", "-t", "5"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=30,
                check=False,
            )
        assert result.returncode == 0, (tmp_path / "baresip.log").read_text(errors="replace")[-3000:]
        call = app.wait_for("call")
        ended = app.wait_for("disconnected")
    assert (call["number"], call["codec"]) == ("alice", "PCMU/8000")
    assert ended["initiator"] == "remote" and ended["duration"] > 3
    heard, rate = load_wav(next(dumps.glob("*-dec.wav")))
    assert has_tone(heard[:, 0], rate, 500, 1.0, 3.5), "baresip did not hear the echo"
    recording, rate = load_wav(Path(ended["recording"]))
    assert has_tone(recording[:, 0], rate, 500, 1.0, 3.5), "the application did not receive baresip's audio"
