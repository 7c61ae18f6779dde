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


async def _run(server: Server, sql: str) -> None:
    conn = await asyncpg.connect(
        host="127.0.0.1", port=server.port, user=ROLE, password=server.password, database="postgres"
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(server: Server) -> str:
    """A new, empty database; its store_url."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    await _run(server, f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(server: Server, url: str) -> None:
    await _run(server, f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def fresh_database(server: Server) -> AsyncIterator[str]:
    """A new, empty database's store_url; dropped afterwards."""
    url = await create_database(server)
    try:
        yield url
    finally:
        await drop_database(server, url)
