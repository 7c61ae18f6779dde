"""Labelled customer questions: real questions from a bank's logs, each labelled with a category that a
labels file maps to the articles answering it. Indexed beside each article's first answering article
as extra sample questions, they teach the index customers' own words, which the articles rarely use.

A source is a CSV (one question per row) and a YAML labels file (category -> [article slugs]; `none`
alone marks a category no article answers, whose questions are not indexed).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from tandem.config import Settings

log = logging.getLogger(__name__)
OUT_OF_SCOPE = "none"


class CustomerQuestionsError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    text: str
    category: str
    articles: tuple[str, ...]  # any of these answers it, the first best; empty when out of scope


def load_labels(path: Path) -> dict[str, tuple[str, ...]]:
    """Category -> article slugs, as written in the labels file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CustomerQuestionsError(f"{path}: cannot read the labels file: {error}") from error
    if not isinstance(data, dict):
        raise CustomerQuestionsError(f"{path}: expected a mapping of category -> [article slugs]")
    labels = {}
    for category, slugs in data.items():
        if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
            raise CustomerQuestionsError(
                f"{path}: {category} needs a non-empty list of slugs (or [{OUT_OF_SCOPE}])"
            )
        if OUT_OF_SCOPE in slugs and len(slugs) > 1:
            raise CustomerQuestionsError(f"{path}: {category} mixes '{OUT_OF_SCOPE}' with articles")
        labels[str(category)] = tuple(slugs)
    return labels


def read_questions(
    csv_path: Path, labels: Mapping[str, tuple[str, ...]], text_column: str, label_column: str
) -> list[LabelledQuestion]:
    """Every row of the CSV, labelled; a category the labels file does not name is an error."""
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise CustomerQuestionsError(f"{csv_path}: cannot read the questions: {error}") from error
    if rows and not {text_column, label_column} <= rows[0].keys():
        raise CustomerQuestionsError(
            f"{csv_path}: needs columns {text_column!r} and {label_column!r}, has {sorted(rows[0])}"
        )
    unlabelled = sorted({row[label_column] for row in rows} - labels.keys())
    if unlabelled:
        raise CustomerQuestionsError(f"{csv_path}: categories with no labels: {', '.join(unlabelled)}")
    return [
        LabelledQuestion(
            text=" ".join(row[text_column].split()),
            category=row[label_column],
            articles=tuple(s for s in labels[row[label_column]] if s != OUT_OF_SCOPE),
        )
        for row in rows
        if row[text_column].strip()
    ]


def questions_by_article(questions: Iterable[LabelledQuestion], slugs: Iterable[str]) -> dict[str, list[str]]:
    """Each in-scope question under its first article, duplicates dropped; an article the labels name
    but the knowledge base lacks is an error (a renamed or deleted article)."""
    known = set(slugs)
    by_article: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for question in questions:
        if not question.articles:
            continue
        missing = [s for s in question.articles if s not in known]
        if missing:
            raise CustomerQuestionsError(
                f"category {question.category} names articles that do not exist: {', '.join(missing)}"
            )
        key = (question.articles[0], question.text.casefold())
        if key not in seen:
            seen.add(key)
            by_article.setdefault(question.articles[0], []).append(question.text)
    return by_article


@dataclass(frozen=True, slots=True)
class QuestionSource:
    csv: Path
    labels: Path
    text_column: str = "text"
    label_column: str = "category"

    def load(self) -> list[LabelledQuestion]:
        return read_questions(self.csv, load_labels(self.labels), self.text_column, self.label_column)


def load_sources(sources: Sequence[QuestionSource]) -> list[LabelledQuestion]:
    return [question for source in sources for question in source.load()]


def configured_questions(cfg: Settings, slugs: Iterable[str]) -> dict[str, list[str]]:
    """knowledge.customer_questions of config.yml, by article. A missing CSV is left out with a warning,
    so the assistant still starts (answering less) where the question log is not deployed."""
    sources = []
    for source in cfg.knowledge.customer_questions:
        path = cfg.resolve(source.csv)
        if not path.is_file():
            log.warning("customer questions not found; indexing without them", extra={"path": str(path)})
            continue
        sources.append(
            QuestionSource(path, cfg.resolve(source.labels), source.text_column, source.label_column)
        )
    return questions_by_article(load_sources(sources), slugs)
