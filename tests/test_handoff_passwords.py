"""Desk passwords are stored as salted scrypt hashes; sessions as hashes of their cookie."""

from __future__ import annotations

import pytest

from handoff.passwords import hash_password, new_session_token, session_hash, verify_password


def test_a_password_verifies_and_is_not_stored_in_clear() -> None:
    stored = hash_password("correct horse battery")
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert verify_password("correct horse battery", stored)
    assert hash_password("correct horse battery") != stored, "no salt"


@pytest.mark.parametrize(
    ("password", "stored"),
    [
        pytest.param("wrong", hash_password("right"), id="wrong-password"),
        pytest.param("x", "", id="empty-hash"),
        pytest.param("x", "md5$abc", id="other-scheme"),
        pytest.param("x", "scrypt$16384$8$1$not-base64!$xx", id="corrupt"),
    ],
)
def test_anything_else_is_refused(password: str, stored: str) -> None:
    assert not verify_password(password, stored)


def test_session_tokens_are_random_and_only_their_hash_is_kept() -> None:
    token, kept = new_session_token()
    assert kept == session_hash(token) and token not in kept
    assert new_session_token()[0] != token
