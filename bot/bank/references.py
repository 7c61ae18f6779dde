"""Customer-facing case references such as BLK-123456 and DSP-123456."""

from __future__ import annotations

import secrets
import sqlite3

ATTEMPTS = 10


def insert_with_reference(connection: sqlite3.Connection, prefix: str, sql: str, params: tuple) -> str:
    """Run an INSERT whose first parameter is a fresh random reference; a clash is retried.

    References are random rather than sequential so that one cannot guess other customers' cases.
    """
    for _ in range(ATTEMPTS):
        reference = f"{prefix}-{secrets.randbelow(900_000) + 100_000}"
        try:
            connection.execute(sql, (reference, *params))
        except sqlite3.IntegrityError as error:
            if "reference" not in str(error):
                raise
            continue
        return reference
    raise RuntimeError(f"no free {prefix} reference after {ATTEMPTS} attempts")
