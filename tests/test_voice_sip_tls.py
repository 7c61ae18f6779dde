"""SIP over TLS with SRTP: the voice gateway's SIP layer (the echo app) listens on SIP/TLS with a
self-signed certificate made by openssl here, and a pjsua2 test phone calls it over TLS, verifying the
certificate, with SRTP; with SRTP mandatory, calls that would carry plain RTP are refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tandem.config import Settings, load_settings
from tandem.isolated import free_port, write_isolated_config
from tandem.secrets import load_secrets
from tests.sip.audio_check import has_tone, load_wav, sox_tone
from tests.sip.harness import EchoApp, echo_app, phone
from voice_gateway.app import endpoint_config
from voice_gateway.sip.config import SipTls

pytestmark = pytest.mark.security


def self_signed(folder: Path, name: str = "sip") -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as an operator would make one with openssl."""
    cert, key = folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def tls_app(tmp_path: Path, srtp: str) -> tuple[EchoApp, int, Path]:
    cert, key = self_signed(tmp_path)
    port = free_port()
    args = ["--tls-port", str(port), "--tls-cert", str(cert), "--tls-key", str(key), "--srtp", srtp]
    return echo_app(tmp_path, *args), port, cert


def tls_uri(port: int) -> str:
    return f"sip:tandem@127.0.0.1:{port};transport=tls"


def test_a_call_over_tls_with_mandatory_srtp_carries_audio(tmp_path: Path) -> None:
    app_context, port, cert = tls_app(tmp_path, "mandatory")
    tone, heard = sox_tone(tmp_path / "tone.wav", 650, 4), tmp_path / "heard.wav"
    with app_context as app:
        caller = phone(tmp_path, tls_uri(port), "--tls-ca", str(cert), "--srtp", "mandatory",
                       "--play", str(tone), "--record", str(heard), "--duration", "3")  # fmt: skip
        assert caller.wait(30) == 0, caller.describe()
        assert caller.wait_for("media")["srtp"] is True
        assert app.wait_for("call")["srtp"] is True
    samples, rate = load_wav(heard)
    assert has_tone(samples[:, 0], rate, 650, 0.5, 2.5), "no echo through SRTP"


def test_optional_srtp_encrypts_the_calls_that_offer_it_and_takes_the_others(tmp_path: Path) -> None:
    app_context, port, cert = tls_app(tmp_path, "optional")
    tone = sox_tone(tmp_path / "tone.wav", 650, 4)
    calls = {  # name: (how to reach the gateway, what the phone offers, SRTP expected)
        "plain": ([], "off", False),
        "udp-srtp": ([], "optional", True),
        "tls-srtp": (["--tls-ca", str(cert), tls_uri(port)], "optional", True),
    }
    with app_context as app:
        for index, (name, (target, offer, encrypted)) in enumerate(calls.items()):
            heard = tmp_path / f"{name}.wav"
            caller = phone(tmp_path, *(target or [app.uri()]), "--srtp", offer, "--play", str(tone),
                           "--record", str(heard), "--duration", "3", "--user", f"555{index}", name=name)  # fmt: skip
            assert caller.wait(30) == 0, caller.describe()
            assert caller.wait_for("media")["srtp"] is encrypted, name
            samples, rate = load_wav(heard)
            assert has_tone(samples[:, 0], rate, 650, 0.5, 2.5), f"no echo on the {name} call"
        assert [call["srtp"] for call in app.all("call")] == [False, True, True]


@pytest.mark.parametrize(
    ("how", "over_tls", "srtp"),
    [
        ("plain RTP over TLS", True, "off"),
        ("SRTP offered over UDP, its keys in the clear", False, "mandatory"),
        ("plain RTP over UDP", False, "off"),
    ],
)
def test_mandatory_srtp_refuses_calls_without_it(tmp_path: Path, how: str, over_tls: bool, srtp: str) -> None:
    app_context, port, cert = tls_app(tmp_path, "mandatory")
    with app_context as app:
        target = ["--tls-ca", str(cert), tls_uri(port)] if over_tls else [app.uri()]
        caller = phone(tmp_path, *target, "--srtp", srtp, "--duration", "2")
        assert caller.wait(30) == 2, caller.describe()  # no call got media
        assert caller.wait_for("disconnected")["code"] in (406, 488), how  # (Here) Not Acceptable
        assert not app.all("call"), f"{how}: the call was answered"


def test_a_phone_that_does_not_trust_the_certificate_gets_no_call(tmp_path: Path) -> None:
    app_context, port, _cert = tls_app(tmp_path, "optional")
    other_ca, _ = self_signed(tmp_path, "other")
    with app_context as app:
        caller = phone(
            tmp_path, tls_uri(port), "--tls-ca", str(other_ca), "--srtp", "optional", "--duration", "2"
        )
        assert caller.wait(30) == 2, caller.describe()
        assert not app.all("call")


def voice_settings(tmp_path: Path, **voice: object) -> Settings:
    config = write_isolated_config(tmp_path)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["voice"].update(voice)
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_settings(config)


def test_the_voice_gateway_takes_tls_and_srtp_from_its_settings(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    settings = voice_settings(
        tmp_path, processes=1, tls_port=5061, tls_cert=str(cert), tls_key=str(key), srtp="mandatory"
    )
    config = endpoint_config(settings, load_secrets(settings))
    assert (config.tls, config.srtp) == (SipTls(5061, cert, key), "mandatory")


@pytest.mark.parametrize(
    ("voice", "error"),
    [
        ({"processes": 1, "tls_port": 5061}, "needs voice.tls_cert and voice.tls_key"),
        (
            {"processes": 2, "tls_port": 5061, "tls_cert": "c.pem", "tls_key": "k.pem"},
            "needs voice.processes: 1",
        ),
        ({"processes": 1, "srtp": "mandatory"}, "SRTP keys are only taken over TLS"),
        ({"processes": 1, "srtp": "sometimes"}, "srtp"),
    ],
)
def test_incomplete_tls_settings_stop_the_start(tmp_path: Path, voice: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        voice_settings(tmp_path, **voice)
