"""The store's schema by migrations (migrations/, tandem/schema.py) on real SQLite files: an empty database
ends up exactly as the models say, and one made before migrations keeps its data and gains what it lacked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import handoff.tables  # noqa: F401  (every table in the metadata)
import tandem.ratings  # noqa: F401
import workbench.tables  # noqa: F401
from handoff.history import HistoryQuery, search
from tandem import schema
from tandem.store import Store, conversations, customers, messages, metadata, utcnow

BASELINE = "0001"


def differences(connection: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"include_object": schema.modelled})
    return list(compare_metadata(context, metadata))


def as_before_migrations(connection: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(schema.MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, BASELINE)
    for table in ("alembic_version", "callback_offers", "contact_notes"):
        connection.execute(sa.text(f"DROP TABLE {table}"))


async def inspect(engine: AsyncEngine) -> tuple[list[Any], str | None, set[str]]:
    async with engine.connect() as conn:
        return (
            await conn.run_sync(differences),
            await conn.run_sync(schema.revision),
            set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names())),
        )


async def test_an_empty_database_is_migrated_to_exactly_the_models(store_url: str) -> None:
    store = await Store.open(store_url)
    try:
        found, revision, tables = await inspect(store.engine)
        assert found == []
        assert revision == schema.head()
        assert set(metadata.tables) <= tables
    finally:
        await store.close()


async def test_a_database_from_before_migrations_keeps_its_data_and_gains_the_tables_it_lacked(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite'}"
    # As an earlier release left it: the baseline's tables made by create_all at each start (no record of
    # a migration), from before callback offers and private notes existed.
    engine = create_async_engine(url)
    now = utcnow()
    async with engine.begin() as conn:
        await conn.run_sync(as_before_migrations)
        await conn.execute(sa.insert(customers).values(id="c1", created_at=now))
        await conn.execute(
            sa.insert(conversations).values(
                id="v1", customer_id="c1", channel="web", status="bot", created_at=now, updated_at=now
            )
        )
        await conn.execute(
            sa.insert(messages).values(
                conversation_id="v1",
                created_at=now,
                channel="web",
                sender="customer",
                text="Where is my new card?",
            )
        )
    await engine.dispose()

    store = await Store.open(url)  # the first start of this release
    try:
        found, revision, tables = await inspect(store.engine)
        assert found == [] and revision == schema.head()
        assert {"callback_offers", "contact_notes"} <= tables
        assert [m.text for m in await store.transcript("v1")] == ["Where is my new card?"]
        # Stored before the search index existed, and found by it.
        assert [f.conversation_id for f in await search(store.engine, HistoryQuery(words="cards"), None)] == [
            "v1"
        ]
    finally:
        await store.close()

    store = await Store.open(url)  # and every start after: nothing changes
    try:
        assert [m.text for m in await store.transcript("v1")] == ["Where is my new card?"]
    finally:
        await store.close()
