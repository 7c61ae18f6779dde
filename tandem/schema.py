"""The database schema, brought to the latest migration (migrations/, Alembic) whenever a store opens.

create_all only ever adds missing tables, so a changed column never reached an existing database; a
migration does. The baseline creates only what is missing: a database from before migrations is
carried over with its data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def modelled(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What autogenerate compares: the models' tables, not the search index that migrations/versions/0002
    makes in SQL (SQLite's FTS5 tables, PostgreSQL's expression index)."""
    return not (reflected and compare_to is None)


@cache
def head() -> str:
    """The latest migration's revision."""
    revision = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert revision is not None
    return revision


def revision(connection: sa.Connection) -> str | None:
    """The revision the database is at; None for one that has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


# Any number held by nothing else: PostgreSQL's advisory locks are the application's to name.
MIGRATION_LOCK = 0x74616E64656D  # "tandem"


def migrate(connection: sa.Connection) -> None:
    """Upgrade to the latest migration (a no-op when there already); run inside the caller's transaction.

    On PostgreSQL several gateways (cluster.gateways) open the store at once: one migrates while the
    others wait for its transaction to end, then find the schema at head."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    if revision(connection) != head():
        command.upgrade(_config(connection), "head")
