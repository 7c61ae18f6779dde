"""Connections to the bank's SQLite file, safe when several action calls run at once.

Every call opens its own short-lived connection: sqlite3 connections must not be shared between
threads, and the action server runs store calls in worker threads. WAL lets readers go on while one
writer commits; writers take the write lock up front (BEGIN IMMEDIATE) so two read-then-write
transactions cannot deadlock on a lock upgrade, and wait up to BUSY_TIMEOUT_S for each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from importlib.resources import files
from pathlib import Path

BUSY_TIMEOUT_S = 5.0


def connect(db_path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions, each one is opened explicitly below.
    connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def init_schema(db_path: Path) -> None:
    """Create the file and its tables if missing; existing data is left alone."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(connect(db_path)) as connection:
        # WAL is a property of the file, so setting it once here covers every later connection.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(files("bot.bank").joinpath("schema.sql").read_text(encoding="utf-8"))


@contextmanager
def reading(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot for several SELECTs."""
    with closing(connect(db_path)) as connection:
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")


@contextmanager
def writing(db_path: Path) -> Iterator[sqlite3.Connection]:
    """One atomic write: committed when the block ends, rolled back if it raises."""
    with closing(connect(db_path)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
