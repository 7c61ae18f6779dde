"""Knowledge gaps, pure: customer questions the help centre could not answer, or answered from an
article that barely matched, grouped by topic, largest topic first.

The bot records what the help centre gave for each question it searched (tandem/knowledge_outcome.py).
A question that may hold a secret is never shown: the same rule as the NLU inbox (`offerable`), since a
sample question shown here may be written into an article kept in git.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from handoff.hotspots import cluster_labels
from workbench.inbox import DIGITS, MAX_CHARS, Candidate, example_text, offerable

# Cosine distance (MiniLM, average linkage) within which questions share a topic: wider than the inbox's
# near-duplicates (0.3), since one article answers many different wordings. On benchmarks/gap_purity.py's
# tuning questions (8 topics) 0.70 best balances purity (0.875) against keeping a topic in one cluster
# (0.787): 0.65 splits topics (19 clusters), 0.75 merges them (purity 0.750). See benchmarks/RESULTS.md.
TOPIC_DISTANCE = 0.7
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Gap:
    message: Candidate
    answered: bool
    article: str | None  # the best hit, answered from or not
    score: float | None


@dataclass(frozen=True, slots=True)
class GapCluster:
    gaps: tuple[Gap, ...]  # newest first
    samples: tuple[str, ...]  # distinct questions, the most typical first


def is_gap(gap: Gap, gap_score: float) -> bool:
    """Not answered, or answered from an article scoring under gap_score."""
    return not gap.answered or gap.score is None or gap.score < gap_score


def gaps_to_show(gaps: Sequence[Gap], gap_score: float) -> tuple[list[Gap], int]:
    """The gaps among the searched questions, and how many more are withheld as they may hold a secret."""
    found = [gap for gap in gaps if is_gap(gap, gap_score)]
    shown = [gap for gap in found if offerable(gap.message)]
    return shown, len(found) - len(shown)


def cluster_gaps(
    gaps: Sequence[Gap], vectors: np.ndarray, distance: float = TOPIC_DISTANCE
) -> list[GapCluster]:
    """Gaps by topic (unit vectors, one row per gap), the largest topic first, the newest on a tie."""
    members: dict[int, list[int]] = {}
    for row, label in enumerate(cluster_labels(vectors, distance)):
        members.setdefault(int(label), []).append(row)
    clusters = [_cluster([gaps[row] for row in rows], vectors[rows]) for rows in members.values()]
    return sorted(clusters, key=lambda c: (-len(c.gaps), -c.gaps[0].message.message_id))


def _cluster(gaps: list[Gap], vectors: np.ndarray) -> GapCluster:
    centre = vectors.mean(axis=0)
    typical = np.argsort(-(vectors @ centre), kind="stable")
    samples: dict[str, str] = {}  # one per wording, case aside
    for row in typical:
        text = example_text(gaps[row].message.text)
        samples.setdefault(text.casefold(), text)
    newest = sorted(gaps, key=lambda g: -g.message.message_id)
    return GapCluster(tuple(newest), tuple(samples.values())[:SAMPLES])


def article_question(text: str) -> str:
    """A question as it is written into an article's sample questions; ValueError says what is wrong."""
    question = example_text(text)
    if not question:
        raise ValueError("The question is empty.")
    if len(question) > MAX_CHARS:
        raise ValueError(f"A question has at most {MAX_CHARS} characters.")
    if DIGITS.search(question):
        raise ValueError("A question with a run of digits may hold an account or card number: leave it out.")
    return question
