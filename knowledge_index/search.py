"""Query the built index: dense and BM25 scores per chunk, mixed; one hit per article, best first.

Every chunk is scored (a few hundred; a flat scan costs well under a millisecond), so no article is
missed for lack of a second pass. A hit shows the article's best text chunk, never a sample question.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge_index.chunking import Chunk, embedding_text
from knowledge_index.embedder import Embedder, load_minilm
from knowledge_index.fusion import FusionParams, best_by_article, mix, ranked, with_margin
from knowledge_index.lexical import LexicalIndex
from knowledge_index.store import BUILD_COMMAND, IndexUnavailableError, StoredIndex, read_index
from tandem.config import settings

SNIPPET_CHARS = 200


class IndexIncompatibleError(IndexUnavailableError):
    pass


@dataclass(frozen=True, slots=True)
class Hit:
    # The article's fused score (cosine plus a BM25 term, knowledge_index.fusion.mix) plus its lead
    # over the best other article (with_margin); compared with knowledge.answer_threshold.
    score: float
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


def article_hits(scores: np.ndarray, chunks: Sequence[Chunk], k: int) -> list[Hit]:
    """Chunk scores -> the k best articles; each scores as its best chunk (sample questions included)
    and is shown by its best text chunk."""
    best = best_by_article(scores.tolist(), [chunk.article for chunk in chunks])
    leads = with_margin(np.array(list(best.values())), FusionParams().margin_weight)
    article_scores = dict(zip(best, leads.tolist(), strict=True))
    shown: dict[str, Chunk] = {}
    for row in np.argsort(-scores, kind="stable"):
        chunk = chunks[row]
        if not chunk.is_question and chunk.article not in shown:
            shown[chunk.article] = chunk
    hits = []
    for article in ranked(article_scores)[:k]:
        chunk = shown[article]
        hits.append(
            Hit(
                score=article_scores[article],
                article=article,
                title=chunk.title,
                section=chunk.section,
                snippet=make_snippet(chunk.text),
                chunk_id=chunk.id,
            )
        )
    return hits


class KnowledgeIndex:
    def __init__(self, stored: StoredIndex, embedder: Embedder) -> None:
        if embedder.name != stored.fingerprint.model or embedder.dim != stored.fingerprint.dim:
            raise IndexIncompatibleError(
                f"the index was built with {stored.fingerprint.model} (dim {stored.fingerprint.dim}) but "
                f"queries would use {embedder.name} (dim {embedder.dim}). Rebuild it with `{BUILD_COMMAND}`."
            )
        self._stored = stored
        self._embedder = embedder
        # A knowledge turn asks for the article, then for its sections, with the same question: the
        # embedding was half the action server's CPU when computed twice (py-spy, benchmarks/RESULTS.md).
        self._query_vector = functools.lru_cache(maxsize=256)(self._embed_one)
        self._lexical = LexicalIndex([embedding_text(chunk) for chunk in stored.chunks])
        self._from_customers = np.array([chunk.from_customers for chunk in stored.chunks], dtype=bool)

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
        return article_hits(self.chunk_scores(query), self._stored.chunks, k)

    def chunk_scores(self, query: str) -> np.ndarray:
        """The fused score of every chunk, in index order."""
        dense, lexical = self.dense_and_lexical(query)
        return mix(dense, lexical, FusionParams(), self._from_customers)

    def dense_and_lexical(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Cosine and BM25 score of every chunk, in index order."""
        dense = self.dense_scores(self._query_vector(query)[np.newaxis, :])
        return dense[0], self._lexical.scores(query)

    def dense_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Row i: the cosine of query vector i with every chunk, in index order."""
        total = self._stored.faiss_index.ntotal
        scores, rows = self._stored.faiss_index.search(np.ascontiguousarray(vectors), total)
        dense = np.empty((len(vectors), total), dtype=np.float32)
        np.put_along_axis(dense, rows, scores, axis=1)
        return dense

    def lexical_scores(self, query: str) -> np.ndarray:
        return self._lexical.scores(query)

    def embed(self, queries: list[str]) -> np.ndarray:
        return self._embedder.embed(queries)

    def _embed_one(self, query: str) -> np.ndarray:
        vector = self._embedder.embed([query])[0]
        vector.setflags(write=False)  # shared by every caller of the cache
        return vector

    @property
    def from_customers(self) -> np.ndarray:
        """Per chunk, whether it is a labelled customer question (knowledge_index.fusion.mix)."""
        return self._from_customers

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return self._stored.chunks

    def section_scores(self, query: str, article: str) -> dict[str, float]:
        """Cosine similarity of the query to each section of one article (its best text chunk per
        section), so the answer can come from the section that matches, not just the article's best chunk."""
        chunks = self._stored.chunks
        rows = [row for row, chunk in enumerate(chunks) if chunk.article == article and not chunk.is_question]
        if not rows or not query.strip():
            return {}
        vector = self._query_vector(query)
        scores: dict[str, float] = {}
        for row in rows:
            section = chunks[row].section
            score = float(np.dot(self._stored.faiss_index.reconstruct(row), vector))
            scores[section] = max(score, scores.get(section, -1.0))
        return scores
