"""The inbox's and the gaps' MiniLM vectors kept in the store (workbench/message_vectors.py), on SQLite and
PostgreSQL: a message goes through the model once, even after a restart (a new process reads the store);
the model is not even loaded when every vector is known; another encoder's vectors are never used; a
message's vector goes with it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import numpy as np
import pytest
import sqlalchemy as sa

from tandem.store import Sender, Store, messages
from workbench.inbox import Candidate
from workbench.message_vectors import vectors_of
from workbench.tables import message_vectors


class CountingEmbedder:
    """A stand-in for MiniLM that says which texts it was asked for (the real one takes seconds a load)."""

    dim = 2

    def __init__(self, name: str) -> None:
        self.name = name
        self.asked: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


class Loader:
    """load_minilm's stand-in: counts how often the model had to be loaded."""

    def __init__(self, embedder: CountingEmbedder) -> None:
        self.embedder, self.loads = embedder, 0

    def __call__(self) -> CountingEmbedder:
        self.loads += 1
        return self.embedder


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(store_url)
    yield opened
    await opened.close()


async def customer_said(store: Store, *texts: str) -> list[Candidate]:
    conversation = await store.start_conversation(await store.new_customer(), "web")
    said = [await store.add_message(conversation.id, "web", Sender.CUSTOMER, text) for text in texts]
    return [Candidate(m.id, conversation.id, m.text, None, None) for m in said]


async def test_each_message_is_embedded_once_and_the_model_loaded_only_when_needed(
    store: Store, store_url: str
) -> None:
    said = await customer_said(store, "my card was eaten", "hi", "hi")
    loader = Loader(CountingEmbedder("minilm-1"))
    first = await vectors_of(store.engine, said, "minilm-1", loader)
    assert first.tolist() == [[17, 1], [2, 1], [2, 1]]
    assert loader.embedder.asked == [["my card was eaten", "hi"]]  # each wording once

    # A restart: another process, the same store.
    again = await Store.open(store_url)
    try:
        later = [*said, *(await customer_said(again, "where is my card"))]
        second = await vectors_of(again.engine, later, "minilm-1", loader)
        assert second.tolist() == [*first.tolist(), [16, 1]]
        assert loader.embedder.asked[1:] == [["where is my card"]] and loader.loads == 2
        assert (await vectors_of(again.engine, later, "minilm-1", loader)).tolist() == second.tolist()
        assert loader.loads == 2  # every vector known: the model is not loaded at all
    finally:
        await again.close()


async def test_another_encoders_vectors_are_replaced_not_used(store: Store) -> None:
    said = await customer_said(store, "freeze my card")
    await vectors_of(store.engine, said, "minilm-1", Loader(CountingEmbedder("minilm-1")))
    newer = Loader(CountingEmbedder("minilm-2"))
    await vectors_of(store.engine, said, "minilm-2", newer)
    assert newer.embedder.asked == [["freeze my card"]]
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(message_vectors.c.encoder))).all()
    assert [r.encoder for r in rows] == ["minilm-2"]


async def test_a_messages_vector_goes_with_it(store: Store) -> None:
    said = await customer_said(store, "lost my wallet")
    await vectors_of(store.engine, said, "minilm-1", Loader(CountingEmbedder("minilm-1")))
    async with store.engine.begin() as conn:
        await conn.execute(sa.delete(messages).where(messages.c.id == said[0].message_id))
        left = (await conn.execute(sa.select(sa.func.count()).select_from(message_vectors))).scalar_one()
    assert left == 0
