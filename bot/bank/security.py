"""Security PINs are never stored: only a salted, deliberately slow hash of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

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
