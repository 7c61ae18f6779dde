"""The SIP layer's pure parts, in-process and without starting pjsua2: parsing, settings, framing,
the frame copy out of pjsua2's vectors, the bot-audio queue (barge-in), the stereo recorder, the
SIP thread's job runner, and the session's delivery of events into the loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pjsua2 as pj
import pytest

from voice_gateway.sip import (
    Direction,
    Disconnected,
    Dtmf,
    DtmfMethod,
    EndpointConfig,
    Initiator,
    Party,
    PlaybackDrained,
    Registration,
)
from voice_gateway.sip.call_audio import CallAudio
from voice_gateway.sip.frames import FRAME_BYTES, SILENCE, fast_copy_works, split_frames, vector_bytes
from voice_gateway.sip.recording import RecordingWriter
from voice_gateway.sip.session import FRAME_BACKLOG, CallFailed, CallSession
from voice_gateway.sip.sip_thread import SipThread


def frame(value: int) -> bytes:
    return np.full(FRAME_BYTES // 2, value, dtype="<i2").tobytes()


@pytest.mark.parametrize(
    ("header", "uri", "number", "name"),
    [
        (
            '"Alice Smith" <sip:+4930123@pbx.example;user=phone>',
            "sip:+4930123@pbx.example;user=phone",
            "+4930123",
            "Alice Smith",
        ),
        ("Bob <sip:1001@10.0.0.1:5060>", "sip:1001@10.0.0.1:5060", "1001", "Bob"),
        ("<sips:carol@example.com>", "sips:carol@example.com", "carol", ""),
        ("sip:5551234@127.0.0.1;transport=tcp", "sip:5551234@127.0.0.1", "5551234", ""),
        ("<sip:example.com>", "sip:example.com", "", ""),
        ('"" <tel:+15551234>', "tel:+15551234", "+15551234", ""),
    ],
)
def test_caller_number_and_name_come_from_the_from_header(
    header: str, uri: str, number: str, name: str
) -> None:
    assert Party.parse(header) == Party(uri=uri, number=number, display_name=name)


def test_settings_refuse_what_would_break_at_run_time() -> None:
    assert EndpointConfig().local_uri == "sip:tandem@127.0.0.1:5060"
    for bad in (
        {"host": "localhost"},
        {"max_calls": 5},
        {"port": 0},
        {"codecs": ("PCMU",)},
        {"rtp_port_count": 6},
        {"ring_ms": -1},
    ):
        with pytest.raises(ValueError):
            EndpointConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Registration(id_uri="1001@pbx", registrar_uri="sip:pbx", username="1001", password="x")
    with pytest.raises(ValueError):
        Registration(
            id_uri="sip:1001@pbx",
            registrar_uri="sip:pbx",
            username="1001",
            password="x",
            expires_s=30,
            refresh_margin_s=30,
        )
    assert "secret" not in repr(
        Registration(id_uri="sip:1001@pbx", registrar_uri="sip:pbx", username="1001", password="secret")
    )


def test_pcm_is_cut_into_20_ms_frames_with_the_last_padded() -> None:
    frames = split_frames(b"\x01\x00" * 700)
    assert [len(f) for f in frames] == [FRAME_BYTES] * 3
    assert frames[2] == b"\x01\x00" * 60 + SILENCE[120:]
    assert split_frames(b"") == []
    with pytest.raises(ValueError):
        split_frames(b"\x00" * 3)


def test_frame_copy_out_of_pjsua2_vectors_is_exact_and_fast() -> None:
    assert fast_copy_works(), (
        "the std::vector layout probe failed: frames fall back to bytes() (0.45 ms each)"
    )
    data = os.urandom(FRAME_BYTES)
    vector = pj.ByteVector(data)
    assert vector_bytes(vector) == data == bytes(vector)
    started = time.perf_counter()
    for _ in range(1000):
        vector_bytes(vector)
    assert time.perf_counter() - started < 0.1  # bytes(vector) takes about 0.45 s for these 1000


async def test_bot_audio_plays_in_order_holds_and_barge_in_silences_the_next_frame() -> None:
    loop = asyncio.get_running_loop()
    received: list[bytes] = []
    drained = asyncio.Event()
    audio = CallAudio(loop, received.append, drained.set, track=None)
    audio.play(frame(1) + frame(2) + frame(3)[:100])
    assert audio.playing
    assert [audio.frame_requested() for _ in range(3)] == [frame(1), frame(2), frame(3)[:100] + SILENCE[100:]]
    assert audio.frame_requested() is None
    await asyncio.wait_for(drained.wait(), 1)

    drained.clear()
    audio.play(b"".join(frame(i) for i in range(50)))
    assert audio.frame_requested() == frame(0)
    audio.stop_playback()  # barge-in between two ticks
    assert audio.frame_requested() is None and not audio.playing
    await asyncio.sleep(0.05)
    assert not drained.is_set(), "a barge-in is not the bot finishing its sentence"

    audio.play(frame(1) + frame(2) + frame(3))
    assert audio.frame_requested() == frame(1)
    audio.hold_playback()  # the caller may be barging in: silence, the rest kept
    assert [audio.frame_requested() for _ in range(3)] == [None, None, None] and audio.playing
    audio.resume_playback()  # a cough: on from where it paused
    assert [audio.frame_requested() for _ in range(2)] == [frame(2), frame(3)]
    audio.play(frame(4))
    audio.hold_playback()
    audio.stop_playback()  # a barge-in after the hold: nothing left, and no longer held
    audio.play(frame(5))
    assert audio.frame_requested() == frame(5)

    media_clock = threading.Thread(target=lambda: [audio.frame_received(frame(7)) for _ in range(3)])
    media_clock.start()
    media_clock.join()
    await asyncio.sleep(0.05)
    assert received == [frame(7)] * 3


def test_recording_is_stereo_caller_left_bot_right_aligned_per_tick(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path)
    track = writer.open("call")
    track.tick(frame(100))  # tick 1: bot speaks, caller speaks
    track.caller(frame(-1))
    track.tick(None)  # tick 2: bot silent, caller speaks
    track.caller(frame(-2))
    track.tick(frame(300))  # tick 3: bot speaks, no caller frame (nothing received)
    track.caller(frame(-4))  # before the bot side was connected: two caller frames in one tick
    track.caller(frame(-5))
    path = track.close().result(timeout=5)
    writer.stop()
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 16000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    per_tick = samples[:: FRAME_BYTES // 2]
    assert per_tick.tolist() == [[-1, 100], [-2, 0], [-4, 300], [-5, 0]]


async def test_session_delivers_events_frames_and_the_end_on_the_loop(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()

    class Core:
        def __init__(self) -> None:
            self.loop = loop

    class Leg:
        pass

    session = CallSession(
        Leg(), Core(), direction=Direction.INCOMING, remote=Party.parse("<sip:1@h>"), account="direct"
    )  # type: ignore[arg-type]
    writer = RecordingWriter(tmp_path)
    session.audio.track = writer.open("s")

    def sip_and_media_threads() -> None:
        for i in range(FRAME_BACKLOG + 10):
            session.audio.frame_requested()
            session.audio.frame_received(frame(i % 100))
        session.post_event(Dtmf("5", DtmfMethod.SIP_INFO))
        session.ended(Disconnected(200, "Normal call clearing", Initiator.REMOTE, 5.2, None), answered=True)

    worker = threading.Thread(target=sip_and_media_threads)
    worker.start()
    worker.join()
    frames = [f async for f in session.frames()]
    events = [e async for e in session.events()]
    writer.stop()
    assert len(frames) == FRAME_BACKLOG and session.dropped_frames == 10, "the oldest frames give way"
    assert events[0] == Dtmf("5", DtmfMethod.SIP_INFO) and isinstance(events[-1], Disconnected)
    assert events[-1].recording == str(tmp_path / "s.wav") and not session.connected
    assert not any(isinstance(e, PlaybackDrained) for e in events)
    with pytest.raises(CallFailed):
        unanswered = CallSession(
            Leg(), Core(), direction=Direction.OUTGOING, remote=Party.parse("sip:a@b"), account="direct"
        )  # type: ignore[arg-type]
        unanswered.ended(Disconnected(486, "Busy Here", Initiator.REMOTE, 0.0, None), answered=False)
        await asyncio.wait_for(unanswered.answered(), 1)


def test_sip_thread_runs_jobs_and_timers_on_its_thread_and_tears_down_there() -> None:
    thread = SipThread(name="sip-test")
    seen: list[str] = []
    thread.start(lambda: lambda ms: time.sleep(ms / 1000))
    assert thread.submit(lambda: threading.current_thread().name).result(2) == "sip-test"
    with pytest.raises(ZeroDivisionError):
        thread.submit(lambda: 1 / 0).result(2)
    thread.submit(lambda: thread.call_later(0.05, lambda: seen.append("late"))).result(2)
    thread.submit(lambda: thread.call_later(0.0, lambda: seen.append("soon"))).result(2)
    time.sleep(0.2)
    thread.stop(lambda: seen.append(threading.current_thread().name))
    assert seen == ["soon", "late", "sip-test"]
    with pytest.raises(RuntimeError):
        thread.submit(lambda: None).result(1)


def test_sip_thread_start_reports_the_setup_error() -> None:
    def setup() -> None:
        raise OSError("address in use")

    with pytest.raises(OSError, match="address in use"):
        SipThread().start(setup)  # type: ignore[arg-type]
