"""Caller ID is a hint: only something shaped like a telephone number becomes a caller's identity."""

from __future__ import annotations

import pytest

from tandem.caller_id import caller_identity

pytestmark = pytest.mark.security


@pytest.mark.parametrize(
    ("raw", "identity"),
    [
        ("+447700900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("(020) 7946-0000", "02079460000"),
        ("07700.900.123", "07700900123"),
        ("  1001 ", "1001"),
        # Withheld, in the words carriers and phones use
        ("anonymous", None),
        ("Anonymous", None),
        ("unknown", None),
        ("RESTRICTED", None),
        ("private", None),
        ("withheld", None),
        ("unavailable", None),
        # Empty or malformed
        (None, None),
        ("", None),
        ("   ", None),
        ("+", None),
        ("12", None),
        ("0000000", None),
        ("+1234567890123456", None),  # 16 digits: longer than any E.164 number
        ("alice", None),
        ("sipp", None),
        ("123abc", None),
        ("12;34", None),
        ("+44+7700", None),
        ("١٢٣٤٥٦٧", None),  # Arabic-Indic digits are digits to Python, not to a phone network
        ("'; DROP TABLE customers; --", None),
    ],
)
def test_caller_identity(raw: str | None, identity: str | None) -> None:
    assert caller_identity(raw) == identity
