"""Real calls on loopback between the test phone (tests/sip/caller.py, its own pjsua2) and an
application built on voice_gateway.sip (tests/sip/echo_app.py): audio both ways, DTMF by both
methods, barge-in, hang-up and the stereo recording, codecs and transports, concurrent isolated
calls, and bridging an outgoing call."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tandem.isolated import free_port
from tests.sip.audio_check import first_quiet, has_tone, load_wav, sox_tone, tone_share, window
from tests.sip.harness import EchoApp, echo_app, finished_phone, phone


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("tones")
    return {freq: sox_tone(folder / f"{freq}.wav", freq, 8) for freq in (300, 440, 500, 700, 900, 1100)}


def test_echo_call_carries_audio_dtmf_and_hangup(tmp_path: Path, tones: dict[int, Path]) -> None:
    heard = tmp_path / "heard.wav"
    with echo_app(tmp_path, "--record-dir", str(tmp_path / "rec")) as app:
        caller = phone(
            tmp_path,
            app.uri(),
            "--play",
            str(tones[440]),
            "--record",
            str(heard),
            "--duration",
            "4",
            "--dtmf",
            "1.0:12:rfc4733",
            "--dtmf",
            "2.0:#*:info",
        )
        call = app.wait_for("call")
        sockets = app.udp_sockets()  # SIP and this call's RTP/RTCP
        assert caller.wait(30) == 0, caller.describe()
        ended = app.wait_for("disconnected")
        digits = [(event["digit"], event["method"]) for event in app.all("dtmf")]

    assert {address for address, _ in sockets} == {"127.0.0.1"}, (
        f"something is bound beyond loopback: {sockets}"
    )
    rtp = sorted(port for _, port in sockets if port != app.port)
    assert len(rtp) == 2 and all(app.rtp_port <= port < app.rtp_port + 200 for port in rtp), (
        rtp,
        app.rtp_port,
    )
    assert (call["number"], call["display"], call["codec"], call["account"]) == (
        "5551234",
        "Test Caller",
        "PCMU/8000",
        "direct",
    )
    assert digits == [("1", "rfc4733"), ("2", "rfc4733"), ("#", "info"), ("*", "info")]
    assert (ended["code"], ended["initiator"]) == (200, "remote")
    assert 3.7 < ended["duration"] < 4.6 and ended["frames"] > 180 and ended["dropped"] == 0
    samples, rate = load_wav(heard)
    assert has_tone(samples[:, 0], rate, 440, 0.5, 0.95), "the caller did not hear its echo"
    assert has_tone(samples[:, 0], rate, 440, 2.3, 3.8)
    recording, rec_rate = load_wav(Path(ended["recording"]))
    assert (recording.shape[1], rec_rate) == (2, 16000)
    assert abs(recording.shape[0] / rec_rate - ended["duration"]) < 0.3, (
        "the recording does not cover the call"
    )
    assert has_tone(recording[:, 0], rec_rate, 440, 0.5, 3.5), "caller (left) channel"
    assert has_tone(recording[:, 1], rec_rate, 440, 0.5, 3.5), "bot (right) channel carries the echo"


def test_bot_audio_caller_audio_stereo_channels_and_barge_in(tmp_path: Path, tones: dict[int, Path]) -> None:
    heard = tmp_path / "heard.wav"
    with echo_app(
        tmp_path, "--mode", "tone", "--tone-hz", "1000", "--record-dir", str(tmp_path / "rec")
    ) as app:
        caller = finished_phone(
            tmp_path,
            app.uri(),
            "--play",
            str(tones[440]),
            "--record",
            str(heard),
            "--duration",
            "4",
            "--dtmf",
            "2.0:#:info",
        )
        barge = app.wait_for("barge_in")
        ended = app.wait_for("disconnected")

    assert barge["playing"] is False, "stop_playback() left frames queued"
    sent_at = caller.wait_for("dtmf_sent")["t"]
    samples, rate = load_wav(heard)
    assert has_tone(samples[:, 0], rate, 1000, 0.3, sent_at - 0.1), "the caller did not hear the bot"
    stopped_at = first_quiet(samples[:, 0], rate, after_s=sent_at - 0.1)
    assert stopped_at - sent_at < 0.25, (
        f"bot audio went on {stopped_at - sent_at:.3f} s after the barge-in digit"
    )
    recording, rec_rate = load_wav(Path(ended["recording"]))
    left, right = recording[:, 0], recording[:, 1]
    assert (
        has_tone(left, rec_rate, 440, 0.3, 3.5)
        and tone_share(window(left, rec_rate, 0.3, 3.5), rec_rate, 1000) < 0.05
    )
    assert (
        has_tone(right, rec_rate, 1000, 0.3, sent_at - 0.1)
        and tone_share(window(right, rec_rate, 0.3, 1.5), rec_rate, 440) < 0.05
    )
    assert first_quiet(right, rec_rate, after_s=sent_at - 0.1) - sent_at < 0.25, (
        "the recording's bot channel kept playing"
    )


@pytest.mark.parametrize(
    ("transport", "codec", "expected"), [("tcp", "PCMA/8000", "PCMA/8000"), ("udp", "G722", "G722/16000")]
)
def test_transport_and_codec_negotiation(
    tmp_path: Path, tones: dict[int, Path], transport: str, codec: str, expected: str
) -> None:
    heard = tmp_path / "heard.wav"
    with echo_app(tmp_path) as app:
        finished_phone(
            tmp_path,
            app.uri(transport=transport),
            "--codec",
            codec,
            "--play",
            str(tones[700]),
            "--record",
            str(heard),
            "--duration",
            "2.5",
        )
        call = app.wait_for("call")
        app.wait_for("disconnected")
    assert call["codec"] == expected
    samples, rate = load_wav(heard)
    assert has_tone(samples[:, 0], rate, 700, 0.5, 2.2)


def test_five_concurrent_calls_stay_isolated(tmp_path: Path, tones: dict[int, Path]) -> None:
    """Five callers at once against a process that takes four (pjsua's compiled limit).

    Three hear only their own tone echoed; the fourth's handler raises and only that call ends; the
    fifth, arriving while four are up, gets 486 Busy Here and disturbs nobody; once the failed call
    is gone a sixth is answered again.
    """
    freqs = [300, 500, 700]
    with echo_app(tmp_path, "--fail-number", "666", "--fail-after", "3") as app:
        callers = [
            phone(
                tmp_path,
                app.uri(),
                "--user",
                f"10{i}",
                "--play",
                str(tones[freq]),
                "--record",
                str(tmp_path / f"{freq}.wav"),
                "--duration",
                "6",
                name=f"caller{i}",
            )
            for i, freq in enumerate(freqs)
        ]
        doomed = phone(
            tmp_path, app.uri(), "--user", "666", "--play", str(tones[440]), "--duration", "6", name="doomed"
        )
        app.wait_for("call", count=4)
        busy = phone(tmp_path, app.uri(), "--user", "555", "--duration", "2", name="busy")
        assert busy.wait(20) == 2 and busy.wait_for("disconnected")["code"] == 486
        assert doomed.wait(20) == 0
        assert doomed.wait_for("disconnected")  # the app hung up on it (a BYE) while the others go on
        late = finished_phone(
            tmp_path,
            app.uri(),
            "--user",
            "777",
            "--play",
            str(tones[900]),
            "--duration",
            "1.5",
            "--record",
            str(tmp_path / "900.wav"),
            name="late",
        )
        assert late.wait_for("media")
        for caller in callers:
            assert caller.wait(30) == 0, caller.describe()
        app.wait_for("disconnected", count=4)
        assert sorted(event["number"] for event in app.all("call")) == ["100", "101", "102", "666", "777"]
        assert len(app.all("disconnected", initiator="remote")) == 4

    for freq in [*freqs, 900]:
        samples, rate = load_wav(tmp_path / f"{freq}.wav")
        end = 1.3 if freq == 900 else 5.5
        assert has_tone(samples[:, 0], rate, freq, 0.5, end), f"caller with {freq} Hz lost its audio"
        for other in [*freqs, 440, 900]:
            if other != freq:
                assert tone_share(window(samples[:, 0], rate, 0.5, end), rate, other) < 0.02, (
                    f"{other} Hz leaked into {freq} Hz"
                )


def test_outgoing_call_bridged_to_the_incoming_one(tmp_path: Path, tones: dict[int, Path]) -> None:
    """The handoff shape: customer -> app, app dials an agent phone and bridges; audio crosses both ways."""
    customer_heard, agent_heard = tmp_path / "customer.wav", tmp_path / "agent.wav"
    agent = phone(
        tmp_path, "--answer", "--play", str(tones[900]), "--loop", "--record", str(agent_heard), name="agent"
    )
    agent_port = agent.wait_for("ready")["sip_port"]
    with echo_app(
        tmp_path,
        "--mode",
        "bridge",
        "--bridge-to",
        f"sip:agent@127.0.0.1:{agent_port}",
        "--record-dir",
        str(tmp_path / "rec"),
    ) as app:
        finished_phone(
            tmp_path,
            app.uri(),
            "--play",
            str(tones[300]),
            "--record",
            str(customer_heard),
            "--duration",
            "4",
            name="customer",
        )
        bridged = app.wait_for("bridged")
        assert agent.wait(20) == 0, agent.describe()
        agent_end = app.wait_for("agent_disconnected")
        app.wait_for("disconnected")

    assert bridged["agent_codec"] == "PCMU/8000" and agent_end["initiator"] == "local"
    customer, rate = load_wav(customer_heard)
    assert has_tone(customer[:, 0], rate, 900, 1.0, 3.5), "the customer did not hear the agent"
    heard_by_agent, rate = load_wav(agent_heard)
    assert has_tone(heard_by_agent[:, 0], rate, 300, 1.0, 3.0), "the agent did not hear the customer"
    assert Path(agent_end["recording"]).exists()


@pytest.mark.parametrize("failure", ["refused", "no-slot"])
def test_failed_outgoing_call_is_reported_and_the_caller_stays(tmp_path: Path, failure: str) -> None:
    """The agent's phone refuses the connection (TCP: at once, no 32 s UDP timeout), or every call slot
    of the process is taken (max_calls=1: the customer's call holds it) so pjsua refuses to dial."""
    nobody = f"sip:agent@127.0.0.1:{free_port()};transport=tcp"
    limit = ["--max-calls", "1"] if failure == "no-slot" else []
    with echo_app(tmp_path, "--mode", "bridge", "--bridge-to", nobody, *limit) as app:
        finished_phone(tmp_path, app.uri(), "--duration", "2")
        failed = app.wait_for("bridge_failed")
        ended = app.wait_for("disconnected")
    expected = "Connection refused" if failure == "refused" else "Too many objects of the specified type"
    assert failed["code"] == 503 and expected in failed["reason"], failed
    assert (ended["code"], ended["initiator"]) == (200, "remote")


def test_stopping_with_calls_up_hangs_them_up_and_exits_cleanly(
    tmp_path: Path, tones: dict[int, Path]
) -> None:
    app = EchoApp(tmp_path, "--record-dir", str(tmp_path / "rec"))
    callers = [
        phone(tmp_path, app.uri(), "--play", str(tones[440]), "--duration", "30", name=f"caller{i}")
        for i in range(2)
    ]
    app.wait_for("call", count=2)
    time.sleep(1)
    assert app.terminate() == 0, app.describe()
    ended = app.all("disconnected")
    assert [event["initiator"] for event in ended] == ["shutdown", "shutdown"] and app.all("stopped")
    for caller in callers:
        assert caller.wait(15) == 0 and caller.wait_for("disconnected")["code"] == 200  # a BYE, not a timeout
    for event in ended:
        recording, rate = load_wav(Path(event["recording"]))
        assert abs(recording.shape[0] / rate - event["duration"]) < 0.3
