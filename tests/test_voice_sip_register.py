"""Registering as an extension with digest auth, against a registrar run by SIPp
(tests/sip/scenarios/registrar.xml).

Why SIPp: it is already a test dependency (no kamailio database or config to maintain), it checks
the digest response with the real password (verifyauth), it grants exactly the short expiry the test
asks for so refreshes happen within seconds, and killing and restarting it is an exact, immediate
registrar outage. pjsua2 cannot act as a registrar, so a second pjsua2 process was no option.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.sip.harness import echo_app, finished_phone, registrar


def register_args(uri: str, password: str = "secret", expires: int = 10) -> list[str]:
    return [
        "--register-id",
        "sip:1001@tandem.test",
        "--registrar",
        uri,
        "--username",
        "1001",
        "--password",
        password,
        "--expires",
        str(expires),
        "--refresh-margin",
        "5",
        "--retry",
        "1",
    ]


def test_registers_with_digest_auth_refreshes_and_takes_calls_for_the_extension(tmp_path: Path) -> None:
    with registrar(tmp_path) as server, echo_app(tmp_path, *register_args(server.uri)) as app:
        first = app.wait_for("registration", timeout=10)
        assert (first["code"], first["expires"], first["registered"]) == (200, 10, True)
        started = time.monotonic()
        app.wait_for("registration", count=2, timeout=12, code=200)  # refreshed 5 s before the 10 s ran out
        assert 3.5 < time.monotonic() - started < 7.5
        finished_phone(tmp_path, f"sip:1001@127.0.0.1:{app.port}", "--duration", "1")
        assert app.wait_for("call")["account"] == "registered"


def test_wrong_password_is_reported_not_fatal(tmp_path: Path) -> None:
    with (
        registrar(tmp_path) as server,
        echo_app(tmp_path, *register_args(server.uri, password="wrong")) as app,
    ):
        failed = app.wait_for("registration", timeout=10)
        assert failed["code"] == 401 and not failed["registered"]
        finished_phone(tmp_path, app.uri(), "--duration", "1")  # direct-IP calls still work


def test_registration_recovers_when_the_registrar_comes_back(tmp_path: Path) -> None:
    """Over TCP, so the outage is seen at once (a refused connection) rather than after UDP's 32 s timeout."""
    with (
        registrar(tmp_path, transport="tcp") as server,
        echo_app(tmp_path, *register_args(server.uri)) as app,
    ):
        app.wait_for("registration", code=200, timeout=10)
        server.stop()
        down = app.wait_for("registration", timeout=15, registered=False)
        assert (down["code"], down["reason"]) == (503, "Connection refused")
        failures = len(app.all("registration", registered=False))
        time.sleep(3)
        assert len(app.all("registration", registered=False)) > failures, (
            "no retries while the registrar was down"
        )
        server.start()
        ok_before = len(app.all("registration", code=200))
        back = app.wait_for("registration", count=ok_before + 1, code=200, timeout=10)
        assert back["registered"]
        finished_phone(tmp_path, f"sip:1001@127.0.0.1:{app.port}", "--duration", "1")
