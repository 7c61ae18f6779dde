"""Issue 10, item 2: a caller must not be able to make the voice gateway call anyone (REFER, Replaces)
nor take it down with in-dialog requests. SIPp callers against the echo app (the real SIP layer of
the voice gateway), straight and through the kamailio dispatcher; a SIPp UAS stands for the number an
attacker would like to reach."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

import pytest

from tests.sip.audio_check import has_tone, load_wav, sox_tone
from tests.sip.harness import EchoApp, dispatcher, echo_app, phone, sipp, sipp_errors, sipp_sink
from tests.sip.raw_uac import SDP, RawUac
from tests.test_voice_sip_sipp import still_serves

pytestmark = pytest.mark.security


def refer_and_hang_up(tmp_path: Path, app: EchoApp, port: int, name: str) -> str:
    """Run uac_refer.xml against port; returns SIPp's message trace. The sink must hear nothing."""
    with sipp_sink(tmp_path, f"{name}-sink") as sink:
        result = sipp(
            tmp_path, "uac_refer.xml", port, "-m", "1", "-key", "target_port", str(sink.port),
            "-trace_msg", "-message_file", str(tmp_path / f"{name}_messages.log"), name=name,
        )  # fmt: skip
        assert result.returncode == 0, sipp_errors(tmp_path, name)  # refused, and the BYE got 200
        assert "received" not in sink.trace(), f"the gateway dialed the REFER target:\n{sink.trace()}"
    ended = app.wait_for("disconnected")
    assert (ended["code"], ended["initiator"]) == (200, "remote"), ended  # the caller's own BYE ended it
    assert app.popen.poll() is None, app.describe()
    return (tmp_path / f"{name}_messages.log").read_text(errors="replace")


def test_refer_is_declined_and_the_call_goes_on(tmp_path: Path) -> None:
    with echo_app(tmp_path) as app:
        trace = refer_and_hang_up(tmp_path, app, app.port, "refer")
        assert "SIP/2.0 603 Decline" in trace
        still_serves(app, tmp_path, "after-refer")


def test_refer_through_the_dispatcher_is_refused_and_the_call_goes_on(tmp_path: Path) -> None:
    with echo_app(tmp_path, name="worker") as app, dispatcher(tmp_path, [app.port]) as front:
        trace = refer_and_hang_up(tmp_path, app, front.port, "refer-dispatched")
        assert "SIP/2.0 405" in trace
        assert app.popen.poll() is None, app.describe()


def forged_in_dialog(method: str, target: str, dispatcher_port: int, tag: str) -> bytes:
    """An in-dialog request (it has a To tag) whose Route names the dispatcher and whose target is not
    a worker: what loose routing alone would relay anywhere."""
    return (
        f"{method} {target} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{{port}};branch=z9hG4bK-forged-{tag}\r\n"
        f"Route: <sip:127.0.0.1:{dispatcher_port};lr>\r\n"
        f"From: <sip:4714@127.0.0.1>;tag=forged-{tag}\r\nTo: <sip:fraud@127.0.0.1>;tag=made-up\r\n"
        f"Call-ID: forged-{tag}\r\nCSeq: 2 {method}\r\nMax-Forwards: 70\r\n"
        f"Contact: <sip:4714@127.0.0.1:{{port}}>\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def test_the_dispatcher_relays_no_request_outside_its_own_dialogs(tmp_path: Path) -> None:
    """Forged in-dialog INVITE/BYE/INFO to a third party get 403; MESSAGE/SUBSCRIBE/REFER in or out of a
    dialog get 405; nothing reaches the third party."""
    with (
        echo_app(tmp_path, name="worker") as app,
        dispatcher(tmp_path, [app.port]) as front,
        sipp_sink(tmp_path) as sink,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
    ):
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(5)
        own_port = udp.getsockname()[1]
        target = f"sip:fraud@127.0.0.1:{sink.port}"
        expected = {"INVITE": 403, "BYE": 403, "INFO": 403, "MESSAGE": 405, "SUBSCRIBE": 405, "REFER": 405}
        answers = {}
        for index, method in enumerate(expected):
            forged = forged_in_dialog(method, target, front.port, str(index)).replace(
                b"{port}", b"%d" % own_port
            )
            udp.sendto(forged, ("127.0.0.1", front.port))
            answers[method] = int(udp.recv(65535).split(b" ", 2)[1])
        for method in ("MESSAGE", "SUBSCRIBE", "REFER"):
            out_of_dialog = forged_in_dialog(method, target, front.port, f"ood-{method}")
            out_of_dialog = out_of_dialog.replace(b";tag=made-up", b"").replace(b"{port}", b"%d" % own_port)
            udp.sendto(out_of_dialog, ("127.0.0.1", front.port))
            answers[f"{method} (no dialog)"] = int(udp.recv(65535).split(b" ", 2)[1])
        time.sleep(1)
        assert answers == {**expected, "MESSAGE (no dialog)": 405, "SUBSCRIBE (no dialog)": 405,
                           "REFER (no dialog)": 405}  # fmt: skip
        assert "received" not in sink.trace(), f"the dispatcher relayed to a third party:\n{sink.trace()}"
        still_serves(app, tmp_path, "after-forgery", uri=front.uri())


def test_an_invite_with_replaces_is_declined_and_the_call_it_names_goes_on(tmp_path: Path) -> None:
    with echo_app(tmp_path) as app:
        victim = RawUac(app.port)
        intruder = RawUac(app.port, user="4716")
        try:
            assert victim.invite().code == 200
            app.wait_for("call")
            replaces = f"Replaces: {victim.call_id};to-tag={victim.to_tag};from-tag={victim.from_tag}"
            taken = intruder.request("INVITE", replaces, "Require: replaces", body=SDP)
            assert taken.code == 603, taken.text
            time.sleep(1)
            assert not app.all("disconnected"), "the call named in Replaces was ended"
            assert len(app.all("call")) == 1
            assert victim.request("BYE").code == 200
        finally:
            victim.close()
            intruder.close()
        ended = app.wait_for("disconnected")
        assert (ended["code"], ended["initiator"]) == (200, "remote"), ended


@pytest.mark.parametrize("through_dispatcher", [False, True], ids=["direct", "dispatcher"])
def test_in_dialog_requests_and_racing_byes_leave_the_worker_and_its_other_calls_up(
    tmp_path: Path, through_dispatcher: bool
) -> None:
    """While a test phone's call is up, SIPp callers fuzz their own dialogs (uac_in_dialog_fuzz.xml),
    race the application's BYE with theirs (uac_bye_race.xml), and a BYE names a dialog that never
    existed; the phone's call keeps its echo and ends with its own BYE, the process stays up."""
    tone, heard = sox_tone(tmp_path / "tone.wav", 700, 18), tmp_path / "heard.wav"
    with contextlib.ExitStack() as running:
        app = running.enter_context(echo_app(tmp_path, "--fail-number", "4730", "--fail-after", "0.95"))
        port, uri = app.port, app.uri()
        if through_dispatcher:
            front = running.enter_context(dispatcher(tmp_path, [app.port]))
            port, uri = front.port, front.uri()
        bystander = phone(tmp_path, uri, "--play", str(tone), "--record", str(heard), "--duration", "16",
                          "--user", "5550100", name="bystander")  # fmt: skip
        bystander.wait_for("media", timeout=20)
        fuzz = sipp(tmp_path, "uac_in_dialog_fuzz.xml", port, "-m", "3", "-l", "2", "-r", "2",
                    "-key", "caller", "4720", name="fuzz")  # fmt: skip
        assert fuzz.returncode == 0, sipp_errors(tmp_path, "fuzz")
        race = sipp(tmp_path, "uac_bye_race.xml", port, "-m", "6", "-l", "2", "-r", "2",
                    "-key", "caller", "4730", name="race")  # fmt: skip
        assert race.returncode == 0, sipp_errors(tmp_path, "race")
        stranger = RawUac(port)
        try:  # the dispatcher knows no route for it: 404; the worker knows no such dialog: 481
            expected = 404 if through_dispatcher else 481
            assert stranger.request("BYE", call_id="no-such-dialog", to_tag="nope").code == expected
        finally:
            stranger.close()
        assert app.popen.poll() is None, app.describe()
        assert bystander.wait(40) == 0, bystander.describe()
        call_id = app.wait_for("call", number="5550100")["id"]
        ended = app.wait_for("disconnected", id=call_id)
        assert (ended["initiator"], ended["duration"] > 15) == ("remote", True), ended  # its own BYE, at 16 s
        samples, rate = load_wav(heard)
        silent = [t for t in range(1, 15) if not has_tone(samples[:, 0], rate, 700, t, t + 1)]
        assert not silent, f"the other call lost its echo in these seconds: {silent}"
        assert len(app.all("call")) == 1 + 3 + 6
        still_serves(app, tmp_path, "after-fuzz", uri=uri)
