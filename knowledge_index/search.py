"""Query the built index: embed the question, rank chunks, return the best chunk of each article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge_index.chunking import Chunk
from knowledge_index.embedder import Embedder, load_minilm
from knowledge_index.store import BUILD_COMMAND, IndexUnavailableError, StoredIndex, read_index
from tandem.config import settings

SNIPPET_CHARS = 200
# Chunks fetched per wanted article on the first pass; articles have a handful of sections each,
# so this nearly always yields k distinct articles without scanning the whole index.
CHUNKS_PER_ARTICLE = 8


class IndexIncompatibleError(IndexUnavailableError):
    pass


@dataclass(frozen=True, slots=True)
class Hit:
    score: float  # cosine similarity of query and chunk, in [-1, 1]
    article: str  # slug, the article file name without .md
    title: str
    section: str  # "##" heading of the chunk; "" for the text before the first heading
    snippet: str
    chunk_id: str


def make_snippet(text: str, max_chars: int = SNIPPET_CHARS) -> str:
    """One line, Markdown emphasis removed, cut at a word boundary."""
    flat = " ".join(text.replace("**", "").split())
    if len(flat) <= max_chars:
        return flat
    cut = flat[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def best_per_article(
    scores: Sequence[float], rows: Sequence[int], chunks: Sequence[Chunk], k: int
) -> list[Hit]:
    """FAISS results (best first) -> at most k hits, one per article; row -1 is FAISS's 'no result'."""
    hits: dict[str, Hit] = {}
    for score, row in zip(scores, rows, strict=True):
        if row < 0:
            continue
        chunk = chunks[row]
        if chunk.article not in hits:
            hits[chunk.article] = Hit(
                score=float(score),
                article=chunk.article,
                title=chunk.title,
                section=chunk.section,
                snippet=make_snippet(chunk.text),
                chunk_id=chunk.id,
            )
            if len(hits) == k:
                break
    return list(hits.values())


class KnowledgeIndex:
    def __init__(self, stored: StoredIndex, embedder: Embedder) -> None:
        if embedder.name != stored.fingerprint.model or embedder.dim != stored.fingerprint.dim:
            raise IndexIncompatibleError(
                f"the index was built with {stored.fingerprint.model} (dim {stored.fingerprint.dim}) but "
                f"queries would use {embedder.name} (dim {embedder.dim}). Rebuild it with `{BUILD_COMMAND}`."
            )
        self._stored = stored
        self._embedder = embedder

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder | None = None) -> KnowledgeIndex:
        """Open a built index; raises IndexUnavailableError (naming the build command) if it is missing
        or corrupt. Without an embedder, the process-wide MiniLM is loaded."""
        stored = read_index(index_dir)
        threads = settings().threads
        # faiss's OpenMP default (every core) fights torch and the other services for two shared cores.
        faiss.omp_set_num_threads(threads.faiss)
        return cls(stored, embedder or load_minilm(threads.torch))

    @property
    def chunk_count(self) -> int:
        return len(self._stored.chunks)

    @property
    def article_count(self) -> int:
        return len(self._stored.articles)

    @property
    def slugs(self) -> frozenset[str]:
        return frozenset(article.slug for article in self._stored.articles)

    def search(self, query: str, k: int) -> list[Hit]:
        """The k best articles for the query, best first, each represented by its best chunk."""
        if not query.strip():
            raise ValueError("query is empty or only whitespace: pass the customer's question text")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        total = self._stored.faiss_index.ntotal
        if total == 0:
            return []
        vector = self._embedder.embed([query])
        fetch = min(total, k * CHUNKS_PER_ARTICLE)
        while True:
            scores, rows = self._stored.faiss_index.search(np.ascontiguousarray(vector), fetch)
            hits = best_per_article(scores[0], rows[0], self._stored.chunks, k)
            if len(hits) == k or fetch == total:
                return hits
            fetch = total

    def section_scores(self, query: str, article: str) -> dict[str, float]:
        """Cosine similarity of the query to each section of one article (its best chunk per section),
        so the answer can come from the section that matches, not just the article's best chunk."""
        rows = [row for row, chunk in enumerate(self._stored.chunks) if chunk.article == article]
        if not rows or not query.strip():
            return {}
        vector = self._embedder.embed([query])[0]
        scores: dict[str, float] = {}
        for row in rows:
            section = self._stored.chunks[row].section
            score = float(np.dot(self._stored.faiss_index.reconstruct(row), vector))
            scores[section] = max(score, scores.get(section, -1.0))
        return scores
