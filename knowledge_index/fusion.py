"""Hybrid ranking: the dense (MiniLM cosine) and lexical (BM25) scores of each article, fused.

Each chunk gets a mixed score and an article scores as its best chunk. Fusion is a score mix rather than reciprocal rank
fusion because the fused score must also decide whether to answer at all (the answer threshold), and
rank-only fusion throws away how close the best match is (measured in benchmarks/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class FusionParams:
    # Tuned on the tuning half of the BANKING77 development set (benchmarks/kb_real.py).
    lexical_weight: float = 0.5
    # The BM25 score at which the lexical side gives half its weight; saturating keeps one rare
    # word from outvoting the meaning of the whole question.
    lexical_half_point: float = 20.0
    # How much an article's lead over its best rival adds: two close articles mean the question is
    # ambiguous, and answering then is what produces wrong answers (measured: at most 5 % wrong,
    # answered right rises from 48 % to 59 % of the tuning half with weight 2).
    margin_weight: float = 2.0
    # Taken off a labelled customer question's score: an article with hundreds of them would otherwise
    # outrank, on density alone, an article whose only questions are its own few (measured: 0.06 keeps
    # the BANKING77 held-out recall@1 and brings the hand-written set's back from 0.79 to 0.83).
    customer_question_offset: float = 0.06

    def __post_init__(self) -> None:
        if (
            self.lexical_weight < 0
            or self.lexical_half_point <= 0
            or self.margin_weight < 0
            or self.customer_question_offset < 0
        ):
            raise ValueError(
                f"need lexical_weight >= 0, lexical_half_point > 0 and margin_weight >= 0, got {self}"
            )


def best_by_article(scores: Sequence[float], articles: Sequence[str]) -> dict[str, float]:
    """Chunk scores -> each article's best chunk score."""
    best: dict[str, float] = {}
    for score, article in zip(scores, articles, strict=True):
        if article not in best or score > best[article]:
            best[article] = float(score)
    return best


def mix(
    dense: np.ndarray, lexical: np.ndarray, params: FusionParams, from_customers: np.ndarray | None = None
) -> np.ndarray:
    """Per chunk: cosine plus the weighted, saturated BM25 score, less the offset for chunks that are
    labelled customer questions (a boolean mask over the last axis)."""
    bm25 = np.maximum(lexical, 0.0)
    fused = dense + params.lexical_weight * bm25 / (bm25 + params.lexical_half_point)
    if from_customers is None:
        return fused
    return fused - params.customer_question_offset * from_customers


def with_margin(article_scores: np.ndarray, weight: float) -> np.ndarray:
    """Along the last axis (articles): score + weight * (score - best other article's score).
    Positive only for the leader, so the order is unchanged and the leader's score says how clearly it leads."""
    if article_scores.shape[-1] < 2:
        return article_scores
    top_two = np.sort(article_scores, axis=-1)[..., -2:]
    best, second = top_two[..., 1:], top_two[..., :1]
    rival = np.where(article_scores >= best, second, best)
    return article_scores + weight * (article_scores - rival)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> dict[str, float]:
    """Cormack et al. 2009: sum of 1 / (k + rank) over the rankings an item appears in (rank from 1)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Best first; ties broken by name so results are deterministic."""
    return sorted(scores, key=lambda item: (-scores[item], item))
