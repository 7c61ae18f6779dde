"""The MiniLM vectors of customer messages the inbox and the knowledge gaps group, kept in the store
(workbench.tables.message_vectors): a message is embedded once, and a load after a restart reads the
vectors instead of loading the model and embedding up to 1000 messages again (6.7 s on 2 shared cores,
benchmarks/inbox_load.py). A vector goes with its message, and one from another encoder is never used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge_index.embedder import Embedder
from workbench.inbox import Candidate
from workbench.tables import message_vectors

CHUNK = 500  # ids per query: SQLite's bound parameters


async def stored(engine: AsyncEngine, ids: Sequence[int], encoder: str) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    async with engine.connect() as conn:
        for start in range(0, len(ids), CHUNK):
            query = sa.select(message_vectors.c.message_id, message_vectors.c.vector).where(
                message_vectors.c.message_id.in_(ids[start : start + CHUNK]),
                message_vectors.c.encoder == encoder,
            )
            for row in await conn.execute(query):
                found[row.message_id] = np.frombuffer(row.vector, dtype=np.float32)
    return found


async def keep(engine: AsyncEngine, vectors: dict[int, np.ndarray], encoder: str) -> None:
    """Stores them, replacing another encoder's; the inbox and the gaps may store one message at once."""
    rows = [
        {"message_id": i, "encoder": encoder, "vector": v.astype(np.float32).tobytes()}
        for i, v in vectors.items()
    ]
    if not rows:
        return
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(message_vectors)
    upsert = insert.on_conflict_do_update(
        index_elements=[message_vectors.c.message_id],
        set_={"encoder": insert.excluded.encoder, "vector": insert.excluded.vector},
    )
    async with engine.begin() as conn:
        await conn.execute(upsert, rows)


async def vectors_of(
    engine: AsyncEngine, messages: Sequence[Candidate], encoder: str, load: Callable[[], Embedder]
) -> np.ndarray:
    """One unit vector per message, in order. Only messages never embedded by this encoder go through the
    model (each wording once), and the model is loaded only then."""
    ids = [m.message_id for m in messages]
    known = await stored(engine, ids, encoder)
    missing = [m for m in messages if m.message_id not in known]
    if missing:
        embedder = await asyncio.to_thread(load)
        texts = list(dict.fromkeys(m.text for m in missing))
        by_text = dict(zip(texts, await asyncio.to_thread(embedder.embed, texts), strict=True))
        made = {m.message_id: by_text[m.text] for m in missing}
        await keep(engine, made, encoder)
        known |= made
    return np.stack([known[i] for i in ids]) if ids else np.zeros((0, 0), dtype=np.float32)
