"""Security PINs are never stored: only a salted, deliberately slow hash of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

ALGORITHM = "pbkdf2_sha256"
# Enough to make guessing a 6-digit PIN offline expensive, small enough (~0.1 s) for a chat turn.
ITERATIONS = 120_000


def hash_pin(pin: str, *, iterations: int = ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Constant-time comparison; the iteration count travels with the hash so it can be raised later."""
    algorithm, iterations, salt_hex, digest_hex = stored.split("$")
    if algorithm != ALGORITHM:
        raise ValueError(f"unknown PIN hash algorithm {algorithm!r}")
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    return hmac.compare_digest(digest.hex(), digest_hex)


@cache
def dummy_pin_hash() -> str:
    """A hash no PIN matches, checked for unknown account numbers: they then take as long to refuse
    as a wrong PIN for a real one, so the answer's timing does not tell which numbers exist."""
    return hash_pin(secrets.token_hex(16))
