"""Pick the answer threshold: the top-hit score above which the bot answers from the knowledge base.

Positive class: "the top hit is the right article". An unanswerable question, or an answerable one
whose top hit is the wrong article, should fall below the threshold.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge_index.evaluation import Question
from knowledge_index.search import Hit


@dataclass(frozen=True, slots=True)
class Outcome:
    score: float  # score of the top hit
    correct: bool  # the question is answerable and the top hit is its article


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    threshold: float
    tp: int  # answered with the right article
    fp: int  # answered, but unanswerable or the wrong article
    fn: int  # right article on top, but refused
    tn: int  # refused, and rightly so

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = self.precision + self.recall
        return 2 * self.precision * self.recall / denominator if denominator else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / (self.tp + self.fp + self.fn + self.tn)


def outcomes(questions: Sequence[Question], search: Callable[[str], list[Hit]]) -> list[Outcome]:
    results = []
    for question in questions:
        hits = search(question.text)
        top = hits[0] if hits else None
        results.append(
            Outcome(
                score=top.score if top else -1.0,
                correct=top is not None and question.article == top.article,
            )
        )
    return results


def evaluate(results: Sequence[Outcome], threshold: float) -> ThresholdRow:
    answered = [r for r in results if r.score >= threshold]
    refused = [r for r in results if r.score < threshold]
    return ThresholdRow(
        threshold=threshold,
        tp=sum(r.correct for r in answered),
        fp=sum(not r.correct for r in answered),
        fn=sum(r.correct for r in refused),
        tn=sum(not r.correct for r in refused),
    )


def grid(step: float = 0.01, top: float = 2.0) -> list[float]:
    """Candidate thresholds 0.00..top (an article's lead over its rival can lift its score above 1);
    a coarser step than the data supports would be false precision."""
    return [round(i * step, 2) for i in range(round(top / step) + 1)]


def choose(results: Sequence[Outcome], candidates: Sequence[float]) -> ThresholdRow:
    """Best F1, then best accuracy; among equal candidates the median, i.e. the middle of the plateau,
    which leaves the most margin on both sides for questions not in the calibration set."""
    rows = [evaluate(results, t) for t in candidates]
    best = max((row.f1, row.accuracy) for row in rows)
    tied = [row for row in rows if (row.f1, row.accuracy) == best]
    middle = statistics.median_low([row.threshold for row in tied])
    return next(row for row in tied if row.threshold == middle)


def lowest_within_wrong_rate(
    results: Sequence[Outcome], candidates: Sequence[float], max_wrong: float
) -> float:
    """The lowest candidate at which wrong answers (fp) are at most max_wrong of all questions: answer
    as much as possible within the wrong-answer budget. The highest candidate if none fits."""
    for threshold in sorted(candidates):
        if evaluate(results, threshold).fp <= max_wrong * len(results):
            return threshold
    return max(candidates)


def table(rows: Sequence[ThresholdRow], chosen: ThresholdRow) -> list[str]:
    lines = [
        "| threshold | answered | TP | FP | FN | TN | precision | recall | F1 | accuracy |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        mark = " **chosen**" if row.threshold == chosen.threshold else ""
        lines.append(
            f"| {row.threshold:.2f}{mark} | {row.tp + row.fp} | {row.tp} | {row.fp} | {row.fn} | {row.tn} "
            f"| {row.precision:.3f} | {row.recall:.3f} | {row.f1:.3f} | {row.accuracy:.3f} |"
        )
    return lines
