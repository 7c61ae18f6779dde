"""Complaint hot spots: what unhappy customers keep raising, found by clustering their words.

Each complaint conversation (one routed to the complaints queue, one with the complaint intent, or one
with a customer message scored at or below NEGATIVE by the sentiment model) is one document: its
customer messages, masked answers left out. Documents are embedded with the MiniLM model the stack
already runs, and grouped by agglomerative clustering (scikit-learn; cosine distance, average linkage)
cut at a fixed distance, so the number of topics is found, not chosen. A group of at least MIN_SIZE
is a hot spot. Each is labelled with its distinctive terms (class-based TF-IDF, as BERTopic does) and
shown with the document nearest its centre. Its trend is how many documents of the previous window of
the same length fall nearest to it.

    .venv/bin/python -m handoff.hotspots --days 7
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import CountVectorizer
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.tables import contacts
from knowledge_index.embedder import Embedder
from tandem.conversations import MASKED_TEXT
from tandem.store import Sender, conversations, messages

# Chosen on a tuning set of other themes (benchmarks/hotspots.py --tune: best adjusted Rand index),
# never on the seeded set the figures are measured on.
DISTANCE = 0.65
MIN_SIZE = 3
# Agglomerative clustering keeps every pairwise distance: 2000 documents is 16 MB and about a second;
# past that, the newest are clustered.
MAX_DOCUMENTS = 2000
NEGATIVE = -0.5
TERMS = 4


@dataclass(frozen=True, slots=True)
class Document:
    conversation_id: str
    created_at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class HotSpot:
    terms: tuple[str, ...]
    size: int
    previous: int  # documents of the previous window nearest to it
    example: Document
    conversation_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms), "size": self.size, "previous": self.previous,
            "example": {"conversation_id": self.example.conversation_id, "text": self.example.text},
            "conversation_ids": list(self.conversation_ids),
        }  # fmt: skip


def cluster_labels(vectors: np.ndarray, distance: float = DISTANCE) -> np.ndarray:
    """One label per row of L2-normalised vectors."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return np.asarray(model.fit_predict(vectors))


def distinctive_terms(groups: Sequence[Sequence[str]], top: int = TERMS) -> list[tuple[str, ...]]:
    """Class-based TF-IDF: each group's texts as one document, a term weighted by its frequency in the
    group against log(1 + average group length / its frequency over all groups)."""
    joined = [" ".join(texts) for texts in groups]
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    try:
        counts = vectorizer.fit_transform(joined).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [() for _ in groups]
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    idf = np.log(1.0 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1.0))
    weights = tf * idf
    return [tuple(str(terms[i]) for i in np.argsort(-row)[:top] if row[i] > 0) for row in weights]


def hot_spots(
    current: Sequence[Document], previous: Sequence[Document], embedder: Embedder, distance: float = DISTANCE
) -> list[HotSpot]:
    """The current window's hot spots, largest first."""
    if not current:
        return []
    vectors = embedder.embed([d.text for d in current])
    labels = cluster_labels(vectors, distance)
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    groups = [g for g in groups if len(g) >= MIN_SIZE]
    if not groups:
        return []
    centres = np.stack([_unit(vectors[g].mean(axis=0)) for g in groups])
    earlier = np.zeros(len(groups), dtype=int)
    if previous:
        similarity = embedder.embed([d.text for d in previous]) @ centres.T
        for row in similarity:
            if row.max() >= 1.0 - distance:
                earlier[int(row.argmax())] += 1
    terms = distinctive_terms([[current[i].text for i in g] for g in groups])
    spots = [
        HotSpot(
            terms[n],
            len(g),
            int(earlier[n]),
            current[int(g[np.argmax(vectors[g] @ centres[n])])],
            tuple(current[i].conversation_id for i in g),
        )
        for n, g in enumerate(groups)
    ]
    return sorted(spots, key=lambda s: (-s.size, s.terms))


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


async def complaint_documents(engine: AsyncEngine, since: datetime, until: datetime) -> list[Document]:
    """The complaint conversations started in [since, until), each as its customer's words."""
    complained = sa.select(contacts.c.conversation_id).where(contacts.c.queue == "complaints")
    query = (
        sa.select(messages.c.conversation_id, conversations.c.created_at, messages.c.text, messages.c.intent,
                  messages.c.data)
        .join(conversations, conversations.c.id == messages.c.conversation_id)
        .where(conversations.c.created_at >= since, conversations.c.created_at < until,
               messages.c.sender == Sender.CUSTOMER, messages.c.text != MASKED_TEXT)
        .order_by(messages.c.id)
    )  # fmt: skip
    async with engine.connect() as conn:
        rows = list(await conn.execute(query))
        routed = {str(r[0]) for r in await conn.execute(complained)}
    texts: dict[str, list[str]] = {}
    started: dict[str, datetime] = {}
    unhappy: set[str] = set(routed)
    for row in rows:
        texts.setdefault(row.conversation_id, []).append(row.text)
        started[row.conversation_id] = row.created_at
        sentiment = (row.data or {}).get("sentiment")
        if row.intent == "complaint" or (isinstance(sentiment, int | float) and sentiment <= NEGATIVE):
            unhappy.add(row.conversation_id)
    found = [Document(cid, started[cid], " ".join(texts[cid])) for cid in texts if cid in unhappy]
    return sorted(found, key=lambda d: d.created_at)[-MAX_DOCUMENTS:]


async def report(engine: AsyncEngine, embedder: Embedder, days: int, now: datetime) -> list[HotSpot]:
    window = timedelta(days=days)
    current = await complaint_documents(engine, now - window, now)
    previous = await complaint_documents(engine, now - 2 * window, now - window)
    return await asyncio.to_thread(hot_spots, current, previous, embedder)


def main() -> None:
    from knowledge_index.embedder import load_minilm
    from tandem.app import resolve_store_url
    from tandem.config import settings
    from tandem.store import Store

    parser = argparse.ArgumentParser(prog="python -m handoff.hotspots")
    parser.add_argument("--days", type=int, default=7, help="the window, ending now (default 7)")
    days = parser.parse_args().days

    async def run() -> list[HotSpot]:
        s = settings()
        store = await Store.open(resolve_store_url(s))
        try:
            return await report(store.engine, load_minilm(s.threads.torch), days, datetime.now(UTC))
        finally:
            await store.close()

    spots = asyncio.run(run())
    print(f"Complaint hot spots over the last {days} days: {len(spots)}")
    for spot in spots:
        trend = f"{spot.previous} the {days} days before"
        print(
            f'- {", ".join(spot.terms)}: {spot.size} conversations ({trend})\n  e.g. "{spot.example.text[:160]}"'
        )


if __name__ == "__main__":
    main()
