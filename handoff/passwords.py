"""Password hashing for desk accounts: scrypt from the standard library, with a salt per password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# OWASP's minimum for scrypt (N=2^17, r=8, p=1) costs 128 MiB and ~0.3 s here; 2^14 keeps a sign-in
# under 50 ms on two shared cores while still costing an attacker 16 MiB per guess.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"{_SCHEME}${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def new_session_token() -> tuple[str, str]:
    """A cookie value and the hash of it that the store keeps."""
    token = secrets.token_urlsafe(32)
    return token, session_hash(token)


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Checked when the username is unknown, so an unknown name costs the same scrypt as a wrong password
# and the answer's timing does not tell which usernames exist.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def verify_or_waste(password: str, stored: str | None) -> bool:
    """verify_password, or the same work for nothing when there is no such account."""
    if stored is None:
        verify_password(password, DUMMY_HASH)
        return False
    return verify_password(password, stored)
