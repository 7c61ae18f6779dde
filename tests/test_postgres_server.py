"""The private PostgreSQL server (tandem/postgres.py), as the tests start it: Debian's binaries, on
loopback only, behind a generated password kept private."""

from __future__ import annotations

import stat

import asyncpg
import pytest

from tandem.postgres import DATABASE, PASSWORD_FILE, ROLE, Server

pytestmark = pytest.mark.security


async def test_it_listens_on_loopback_only_and_wants_the_password(postgres: Server) -> None:
    kept = postgres.data_dir.parent / f"{postgres.data_dir.name}.{PASSWORD_FILE}"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text(encoding="utf-8").strip() == postgres.password
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(
            host="127.0.0.1", port=postgres.port, user=ROLE, password="guess", database=DATABASE
        )
    conn = await asyncpg.connect(
        host="127.0.0.1", port=postgres.port, user=ROLE, password=postgres.password, database=DATABASE
    )
    try:
        assert await conn.fetchval("SHOW listen_addresses") == "127.0.0.1"
        assert await conn.fetchval("SHOW password_encryption") == "scram-sha-256"
    finally:
        await conn.close()
