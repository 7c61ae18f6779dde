"""The SIP layer against SIPp and raw sockets: a plain call with RTP made from a sox WAV, CANCEL
before the answer, malformed and garbage SIP over UDP and TCP, and an INVITE flood; after each the
endpoint must still answer a normal call with audio."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.sip.audio_check import has_tone, load_wav, sox_tone
from tests.sip.harness import EchoApp, echo_app, finished_phone, sipp, sipp_errors
from tests.sip.rtp_pcap import mulaw_from_wav, write_rtp_pcap


def still_serves(app: EchoApp, tmp_path: Path, name: str, uri: str | None = None) -> None:
    """A normal call with audio both ways (to the app or at uri), after whatever the test threw at it."""
    tone, heard = sox_tone(tmp_path / f"{name}-tone.wav", 600, 3), tmp_path / f"{name}-heard.wav"
    calls = len(app.all("call"))
    finished_phone(
        tmp_path, uri or app.uri(), "--play", str(tone), "--record", str(heard), "--duration", "2", name=name
    )
    app.wait_for("call", count=calls + 1)
    samples, rate = load_wav(heard)
    assert has_tone(samples[:, 0], rate, 600, 0.5, 1.8), "the follow-up call had no echo"


def test_sipp_call_with_rtp_from_a_wav(tmp_path: Path) -> None:
    write_rtp_pcap(tmp_path / "audio.pcap", mulaw_from_wav(sox_tone(tmp_path / "800.wav", 800, 3)))
    with echo_app(tmp_path, "--record-dir", str(tmp_path / "rec")) as app:
        result = sipp(tmp_path, "uac_rtp.xml", app.port, "-m", "1")
        assert result.returncode == 0, sipp_errors(tmp_path)  # includes the checks on our SDP answer
        call = app.wait_for("call")
        ended = app.wait_for("disconnected")
        assert app.wait_for("dtmf") == {**app.wait_for("dtmf"), "digit": "0", "method": "rfc4733"}
    assert (call["number"], call["display"], call["codec"]) == ("4711", "SIPp Caller", "PCMU/8000")
    assert (ended["code"], ended["initiator"]) == (200, "remote")
    recording, rate = load_wav(Path(ended["recording"]))
    assert has_tone(recording[:, 0], rate, 800, 0.3, 2.8), "SIPp's RTP did not reach the application"


def test_cancel_before_answer_leaves_no_call_behind(tmp_path: Path) -> None:
    with echo_app(tmp_path, "--ring-ms", "3000") as app:
        result = sipp(tmp_path, "uac_cancel.xml", app.port, "-m", "3", "-r", "3")
        assert result.returncode == 0, sipp_errors(tmp_path)
        time.sleep(0.5)
        assert not app.all("call"), "a cancelled call reached the application"
        still_serves(app, tmp_path, "after-cancel")


GARBAGE = [
    b"",
    b"\x00" * 512,
    bytes(range(256)) * 4,
    b"INVITE\r\n\r\n",
    b"INVITE sip:x@127.0.0.1 SIP/2.0\r\n",
    b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnone\r\nContent-Length: 0\r\n\r\n",
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: garbage\r\nCall-ID: 1\r\nCSeq: x OPTIONS\r\n\r\n",
    b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
    b"To: <sip:x@127.0.0.1>\r\nCall-ID: cl\r\nCSeq: 1 INVITE\r\nContent-Length: 99999\r\n\r\nv=0",
    b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=2\r\n"
    b"To: <sip:x@127.0.0.1>\r\nCall-ID: sdp\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:9>\r\n"
    b"Content-Type: application/sdp\r\nContent-Length: 40\r\n\r\nv=0\r\nm=audio notaport RTP/AVP x y z\r\nc=IN\r\n",
    b"REGISTER sip:127.0.0.1 SIP/2.0\r\n" + b"X-Long: " + b"a" * 60000 + b"\r\n\r\n",
    "INVITE sip:ü@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP ☃\r\n\r\n".encode(),
    b"BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK3\r\nFrom: <sip:a@b>;tag=3\r\n"
    b"To: <sip:x@127.0.0.1>;tag=nope\r\nCall-ID: unknown-dialog\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
]


def test_malformed_and_garbage_sip_does_not_stop_the_endpoint(tmp_path: Path) -> None:
    with echo_app(tmp_path) as app:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for _ in range(3):
                for datagram in GARBAGE:
                    udp.sendto(datagram, ("127.0.0.1", app.port))
        for stream in (b"".join(GARBAGE), b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 10\r\n"):
            with socket.create_connection(("127.0.0.1", app.port), timeout=5) as tcp:
                tcp.sendall(stream)  # the second one stays half-sent until the connection closes
                time.sleep(0.2)
        time.sleep(0.5)
        assert app.popen.poll() is None, app.describe()
        still_serves(app, tmp_path, "after-garbage")


@pytest.mark.slow
def test_invite_flood_is_bounded_and_the_endpoint_recovers(tmp_path: Path) -> None:
    """300 INVITEs at 100 per second, up to 40 open at once, against a process taking 4 calls."""
    with echo_app(tmp_path, "--record-dir", str(tmp_path / "rec")) as app:
        still_serves(app, tmp_path, "warm-up")  # the first call creates the port pool and worker threads
        fds, threads = app.fd_count(), app.thread_count()
        started = time.monotonic()
        result = sipp(tmp_path, "uac_flood.xml", app.port, "-m", "300", "-r", "100", "-l", "40", timeout=60)
        elapsed = time.monotonic() - started
        assert result.returncode == 0, sipp_errors(tmp_path)  # every INVITE was answered or refused cleanly
        assert elapsed < 30, f"the flood took {elapsed:.1f} s"
        answered = len(app.all("call"))
        assert 4 < answered < 300, f"{answered} calls answered (the warm-up call included)"
        app.wait_for("disconnected", count=answered, timeout=20)
        still_serves(app, tmp_path, "after-flood")
        time.sleep(0.5)
        assert app.thread_count() == threads, "threads left behind by the flood"
        assert app.fd_count() <= fds + 2, "file descriptors left behind by the flood"
