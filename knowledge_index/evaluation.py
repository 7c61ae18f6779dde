"""Labelled question sets and the ranking metrics computed on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    article: str | None  # slug of the article that answers it; None when no article does


def load_questions(path: Path) -> list[Question]:
    """benchmarks/data/kb_questions.yml: `questions: [{text, article}]`."""
    return _parse_items(path, _load_mapping(path), "questions", answerable=True)


def load_calibration_set(path: Path) -> list[Question]:
    """benchmarks/data/kb_calibration.yml: `answerable: [{text, article}]`, `unanswerable: [{text}]`."""
    data = _load_mapping(path)
    return _parse_items(path, data, "answerable", answerable=True) + _parse_items(
        path, data, "unanswerable", answerable=False
    )


def _load_mapping(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping at the top level")
    return data


def _parse_items(path: Path, data: dict[str, object], key: str, *, answerable: bool) -> list[Question]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path}: '{key}' must be a non-empty list")
    questions = []
    for number, item in enumerate(items, start=1):
        text = item.get("text") if isinstance(item, dict) else None
        article = item.get("article") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}: {key} item {number} needs a non-empty 'text'")
        if answerable and not isinstance(article, str):
            raise ValueError(f"{path}: {key} item {number} needs an 'article' slug")
        questions.append(Question(text=text, article=article if answerable else None))
    return questions


def unknown_articles(questions: Sequence[Question], slugs: set[str]) -> list[str]:
    """Slugs the questions expect but the index lacks: a data error that would read as a retrieval miss."""
    return sorted({q.article for q in questions if q.article is not None and q.article not in slugs})


def rank_of(article: str, ranked: Sequence[str]) -> int | None:
    """1-based position of the article in a ranked list of slugs, None if absent."""
    return ranked.index(article) + 1 if article in ranked else None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    return sum(1 / rank for rank in ranks if rank is not None) / len(ranks)
