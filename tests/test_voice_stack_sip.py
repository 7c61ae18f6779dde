"""Independent SIP peers against the whole voice gateway stack (the dispatcher, its workers, the
gateway, Rasa): a SIPp call with RTP, malformed and garbage SIP, and a baresip call. After each the
stack must still be up and answer a normal call: the greeting, then an answer to a spoken question."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from tandem.processes import Stack
from tests.sip.harness import sipp, sipp_errors
from tests.sip.rtp_pcap import mulaw_from_wav, write_rtp_pcap
from tests.test_voice_calls import answered_call, concurrent_calls
from tests.test_voice_sip_baresip import baresip_config
from tests.test_voice_sip_sipp import GARBAGE
from tests.voice.speech import say_wav
from tests.voice.stack import closed_conversation, conversation_of, wait_voice_ready

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def voice_uri(stack: Stack) -> str:
    return wait_voice_ready(stack)


def sip_ports(stack: Stack) -> list[int]:
    """The public port, and behind the dispatcher each worker's own (they are reachable too)."""
    assert stack.voice is not None
    workers = stack.voice.dispatcher.workers if stack.voice.dispatcher else []
    return [stack.settings.voice.port, *(port for _, port in workers)]


def still_serves(stack: Stack, uri: str, tmp_path: Path, number: str) -> None:
    """Every process of the stack is up, and a caller asking a question hears the greeting and the answer."""
    assert not [p.name for p in stack.processes if p.exited() is not None]
    concurrent_calls(stack, uri, tmp_path, {number: ("I lost my card.", "lost")})


def test_sipp_call_with_rtp_through_the_dispatcher(stack: Stack, voice_uri: str, tmp_path: Path) -> None:
    question = say_wav(tmp_path / "question.wav", [(0.5, "I lost my card.")], total_s=3, rate=8000)
    write_rtp_pcap(tmp_path / "audio.pcap", mulaw_from_wav(question))
    result = sipp(tmp_path, "uac_rtp_routed.xml", stack.settings.voice.port, "-m", "1", "-d", "8000")
    assert result.returncode == 0, sipp_errors(tmp_path)  # includes the checks on the SDP answer

    conversation = closed_conversation(stack, conversation_of(stack, "4711"))
    assert conversation["outcome"]["reason"] == "caller hung up"
    customer = [m["text"].lower() for m in conversation["messages"] if m["sender"] == "customer"]
    assert "lost my" in customer[0], customer  # SIPp's RTP reached Whisper
    still_serves(stack, voice_uri, tmp_path, "5550121")


def test_malformed_and_garbage_sip_leaves_the_stack_serving(
    stack: Stack, voice_uri: str, tmp_path: Path
) -> None:
    for port in sip_ports(stack):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for _ in range(3):
                for datagram in GARBAGE:
                    udp.sendto(datagram, ("127.0.0.1", port))
        for stream in (b"".join(GARBAGE), b"INVITE sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 10\r\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as tcp:
                tcp.sendall(stream)
                time.sleep(0.2)
    time.sleep(1)
    still_serves(stack, voice_uri, tmp_path, "5550122")


def test_baresip_calls_the_whole_stack(stack: Stack, voice_uri: str, tmp_path: Path) -> None:
    source = say_wav(tmp_path / "question.wav", [(3.5, "I lost my card.")], total_s=14, rate=8000)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    config = baresip_config(tmp_path / "baresip", source, dumps, user="5550123")
    with (tmp_path / "baresip.log").open("wb") as log:
        result = subprocess.run(
            ["baresip", "-f", str(config), "-e", f"/dial {voice_uri}", "-t", "14"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=40,
            check=False,
        )
    assert result.returncode == 0, (tmp_path / "baresip.log").read_text(errors="replace")[-3000:]
    answered_call(stack, "5550123", "lost my", next(dumps.glob("*-dec.wav")))
    still_serves(stack, voice_uri, tmp_path, "5550124")
