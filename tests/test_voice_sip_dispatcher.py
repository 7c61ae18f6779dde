"""kamailio's dispatcher (voice_gateway/dispatcher) in front of several SIP processes: the echo app
(tests/sip/echo_app.py) stands in for the voice gateway workers, so these tests take seconds.

What is checked: one public address takes 8 simultaneous calls on two 4-call processes, each call's
media goes to its own caller, a ninth call is refused as busy, a dead process is skipped, and in
registration mode exactly one process registers, with the dispatcher's address as Contact."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tandem.config import load_settings
from tandem.isolated import free_port, write_isolated_config
from tandem.processes import RESTARTS, ManagedProcess, Stack
from tandem.secrets import load_secrets
from tests.sip.audio_check import has_tone, load_wav, sox_tone
from tests.sip.harness import (
    EchoApp,
    dispatcher,
    echo_app,
    finished_phone,
    phone,
    registrar,
)
from tests.test_voice_sip_register import register_args
from voice_gateway.dispatcher import plan_voice
from voice_gateway.dispatcher.kamailio import find_kamailio
from voice_gateway.dispatcher.plan import CALLS_PER_PROCESS
from voice_gateway.sip.config import PJSUA_MAX_CALLS


def test_eight_calls_share_two_processes_each_hears_its_own_audio_and_a_ninth_is_busy(
    tmp_path: Path,
) -> None:
    with (
        echo_app(tmp_path, name="worker1") as first,
        echo_app(tmp_path, name="worker2") as second,
        dispatcher(tmp_path, [first.port, second.port]) as front,
    ):
        tones = {index: 400 + 60 * index for index in range(8)}
        callers = []
        for index, hz in tones.items():
            tone = sox_tone(tmp_path / f"tone{index}.wav", hz, 6)
            callers.append(
                phone(tmp_path, front.uri(), "--play", str(tone), "--record", str(tmp_path / f"heard{index}.wav"),
                      "--duration", "5", "--user", f"55580{index}", name=f"caller{index}")
            )  # fmt: skip
        for caller in callers:
            caller.wait_for("media", timeout=20)
        busy = phone(tmp_path, front.uri(), "--duration", "2", "--user", "5558099", name="busy")
        assert busy.wait(20) == 2, busy.describe()  # no call got media
        assert busy.wait_for("disconnected")["code"] == 486
        for caller in callers:
            assert caller.wait(30) == 0, caller.describe()
        first.wait_for("disconnected", count=4)
        second.wait_for("disconnected", count=4)
        assert len(first.all("call")) == len(second.all("call")) == 4  # the least loaded one each time
        for index, hz in tones.items():
            samples, rate = load_wav(tmp_path / f"heard{index}.wav")
            assert has_tone(samples[:, 0], rate, hz, 1.0, 3.5), f"caller {index} did not hear its own echo"
        # Every BYE went through the dispatcher, so its load count is back to zero: 8 more fit.
        again = [
            phone(tmp_path, front.uri(), "--duration", "1", "--user", f"55581{i}", name=f"again{i}")
            for i in range(8)
        ]
        for caller in again:
            assert caller.wait(30) == 0, caller.describe()


def test_a_worker_on_another_address_takes_calls_with_its_own_media_address(tmp_path: Path) -> None:
    """voice.remote_workers: a worker elsewhere (here 127.0.0.2, another address of this machine) is in
    the dispatcher's list; its calls' media flows straight between it and the caller, to the address its
    SDP gives, never through the dispatcher."""
    with (
        echo_app(tmp_path, name="remote", host="127.0.0.2") as remote,
        dispatcher(tmp_path, [("127.0.0.2", remote.port)]) as front,
    ):
        tone = sox_tone(tmp_path / "tone.wav", 700, 4)
        caller = finished_phone(
            tmp_path, front.uri(), "--play", str(tone), "--record", str(tmp_path / "heard.wav"),
            "--duration", "3", name="caller",
        )  # fmt: skip
        assert len(remote.all("call")) == 1
        assert caller.wait_for("media")["rtp_to"].startswith("127.0.0.2:")  # the worker's SDP address
        samples, rate = load_wav(tmp_path / "heard.wav")
        assert has_tone(samples[:, 0], rate, 700, 1.0, 2.5), "the caller did not hear the remote worker"


def test_a_dead_process_is_skipped(tmp_path: Path) -> None:
    first = EchoApp(tmp_path, name="worker1")  # killed below, so not the clean-exit echo_app()
    with (
        echo_app(tmp_path, name="worker2") as second,
        dispatcher(tmp_path, [first.port, second.port]) as front,
    ):
        os.kill(first.pid, signal.SIGKILL)  # the one chosen first when both are idle
        first.wait(10)
        started = time.monotonic()
        # The first call goes to the dead process, gets no answer and fails over within 2 s.
        finished_phone(tmp_path, front.uri(), "--duration", "1", name="failover")
        front.wait_for(f"voice gateway down sip:127.0.0.1:{first.port}")
        for index in range(2):
            finished_phone(tmp_path, front.uri(), "--duration", "1", name=f"after{index}")
        assert time.monotonic() - started < 20
        assert len(second.all("call")) == 3


def test_one_process_registers_the_dispatcher_as_contact_and_any_takes_the_calls(tmp_path: Path) -> None:
    front_port = free_port()  # the dispatcher's address is what the first process registers
    with (
        registrar(tmp_path) as server,
        echo_app(
            tmp_path, *register_args(server.uri), "--register-contact", f"sip:1001@127.0.0.1:{front_port}",
            name="worker1",
        ) as first,
        echo_app(tmp_path, *register_args(server.uri), "--no-register", name="worker2") as second,
    ):  # fmt: skip
        registered = first.wait_for("registration", timeout=10)
        assert (registered["account"], registered["code"]) == ("registration", 200)
        messages = (tmp_path / "registrar1_messages.log").read_text(errors="replace")
        assert f"<sip:1001@127.0.0.1:{front_port}>" in messages, messages[-2000:]
        assert f":{second.port}" not in messages  # the second process never registered
        assert not second.all("registration")
        with dispatcher(tmp_path, [first.port, second.port], port=front_port) as front:
            # What the registrar does with a call for the extension: send it to the registered Contact.
            pbx = [
                phone(tmp_path, front.uri("1001"), "--duration", "2", name=f"pbx{index}")
                for index in range(2)
            ]
            for call in pbx:
                assert call.wait(20) == 0, call.describe()
        calls = first.all("call") + second.all("call")
        assert [call["account"] for call in calls] == ["registered", "registered"]
        assert first.all("call") and second.all("call")  # least loaded: one each


def test_the_plan_splits_ports_and_falls_back_to_one_process_without_kamailio(tmp_path: Path) -> None:
    settings = load_settings(write_isolated_config(tmp_path))
    voice = settings.voice.model_copy(update={"processes": 3})
    plan = plan_voice(voice, tmp_path)
    assert plan.dispatcher is not None and [w.name for w in plan.workers] == ["voice-1", "voice-2", "voice-3"]
    assert len({w.sip_port for w in plan.workers} | {voice.port}) == 4
    slices = [set(range(w.rtp_port, w.rtp_port + w.rtp_port_count)) for w in plan.workers]
    assert not (slices[0] & slices[1]) and not (slices[1] & slices[2])
    assert all(w.dispatcher == f"{voice.host}:{voice.port}" for w in plan.workers)
    single = plan_voice(voice.model_copy(update={"processes": 1}), tmp_path)
    assert single.dispatcher is None and single.workers[0].sip_port == voice.port
    assert single.public_uri == plan.public_uri == f"sip:tandem@{voice.host}:{voice.port}"
    assert CALLS_PER_PROCESS == PJSUA_MAX_CALLS and plan.max_calls == 12
    fixed = plan_voice(voice.model_copy(update={"worker_port": 5070}), tmp_path)
    assert [w.sip_port for w in fixed.workers] == [5070, 5071, 5072]
    remote = plan_voice(
        voice.model_copy(update={"processes": 1, "remote_workers": ("10.0.0.12:5070", "10.0.0.13:5070")}),
        tmp_path,
    )
    assert remote.dispatcher is not None and [w.name for w in remote.workers] == ["voice-1"]
    listed = remote.dispatcher.destinations()
    assert "sip:10.0.0.12:5070" in listed and "sip:10.0.0.13:5070" in listed and remote.max_calls == 12
    without = plan_voice(voice, tmp_path, kamailio="")
    assert without.dispatcher is None and len(without.workers) == 1 and "kamailio" in (without.note or "")
    assert find_kamailio() is not None, "kamailio is a test dependency: scripts/system_packages.sh"


def test_the_stack_restarts_a_dead_process_after_a_pause_and_gives_up_on_a_crash_loop(tmp_path: Path) -> None:
    settings = load_settings(write_isolated_config(tmp_path))
    stack = Stack(settings, tmp_path / "config.yml", tmp_path / "model.tar.gz", load_secrets(settings))
    dying = ManagedProcess("voice-1", ["true"], {}, tmp_path / "w.log")
    gateway = ManagedProcess("gateway", ["sleep", "30"], {}, tmp_path / "g.log")
    stack.processes = [gateway, dying]
    for process in stack.processes:
        process.start()
    try:
        now = 1000.0
        for restart in range(RESTARTS.burst):
            dying.process.wait(10)  # type: ignore[union-attr]
            assert stack.check(now) is None and dying.restart_at is not None  # dead: a pause first
            assert stack.check(dying.restart_at - 0.01) is None and len(dying.restart_times) == restart
            now = dying.restart_at
            assert stack.check(now) is None and len(dying.restart_times) == restart + 1
        dying.process.wait(10)  # type: ignore[union-attr]
        assert stack.check(now) is dying  # burst deaths within the window: a crash loop
        assert gateway.exited() is None and gateway.restart_times == []
    finally:
        stack.stop()


def test_cancelled_calls_free_their_place(tmp_path: Path) -> None:
    """CANCEL before the answer goes through the dispatcher too, and the load count forgets the call."""
    with (
        echo_app(tmp_path, "--ring-ms", "3000", name="worker1") as first,
        echo_app(tmp_path, "--ring-ms", "3000", name="worker2") as second,
        dispatcher(tmp_path, [first.port, second.port]) as front,
    ):
        cancelled = [
            phone(tmp_path, front.uri(), "--duration", "5", "--user", f"55583{i}", name=f"cancel{i}")
            for i in range(8)
        ]
        time.sleep(1.5)  # all ringing: the workers answer after 3 s
        for caller in cancelled:
            caller.popen.send_signal(signal.SIGTERM)  # hang up before the answer: CANCEL
        for caller in cancelled:
            assert caller.wait(10) == 2, caller.describe()  # no call got media
        time.sleep(1)
        assert not first.all("call") and not second.all("call")
        ringing = [
            phone(tmp_path, front.uri(), "--duration", "1", "--user", f"55582{i}", name=f"ring{i}")
            for i in range(8)
        ]
        for caller in ringing:
            assert caller.wait(30) == 0, caller.describe()  # all 8 places free again
