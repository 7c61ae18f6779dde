"""A real PostgreSQL for tests: one private server per test session (tandem/postgres.py), and a fresh,
empty database for each test that asks for one, dropped after it."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg

from tandem.isolated import free_port
from tandem.postgres import ROLE, Server, down, up


@contextlib.contextmanager
def private_server() -> Iterator[Server]:
    # Not under pytest's temporary folder: that one is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="tandem-postgres-"))
    folder.chmod(0o755)
    server = up(folder / "data", free_port())
    try:
        yield server
    finally:
        down(server.data_dir)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def fresh_database(server: Server) -> AsyncIterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=server.port, user=ROLE, password=server.password, database="postgres"
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await run(f'CREATE DATABASE "{name}"')
    try:
        yield server.url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await run(f'DROP DATABASE "{name}" WITH (FORCE)')
