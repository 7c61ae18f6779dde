"""The BANKING77 development set: real customer questions labelled with the articles that answer them.

The questions stay in ../shared/data/banking77/train.csv (never copied into the repo); the
category -> articles map is training_data/customer_questions/banking77.yml, both named by
knowledge.customer_questions in config.yml. A question's half (tuning or
held-out) is fixed by a hash of its text, so the split never changes between runs or machines.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge_index.customer_questions import OUT_OF_SCOPE, load_labels
from tandem.config import settings

_SOURCE = settings().knowledge.customer_questions[0]
QUESTIONS_CSV = settings().resolve(_SOURCE.csv)
MAPPING = settings().resolve(_SOURCE.labels)


@dataclass(frozen=True, slots=True)
class DevQuestion:
    text: str
    category: str
    articles: frozenset[str]  # any of these answers it; empty when the category is out of scope


def load_mapping(path: Path = MAPPING) -> dict[str, tuple[str, ...]]:
    """Category -> slugs; `none` (alone) marks an out-of-scope category."""
    return load_labels(path)


def is_held_out(text: str) -> bool:
    """About half the questions, chosen by hash: tune on the others, report on these."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 1


def load_dev_set(mapping: Mapping[str, tuple[str, ...]], path: Path = QUESTIONS_CSV) -> list[DevQuestion]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    unmapped = sorted({row["category"] for row in rows} - mapping.keys())
    if unmapped:
        raise ValueError(f"{MAPPING.name} does not map these categories: {', '.join(unmapped)}")
    return [
        DevQuestion(
            text=row["text"],
            category=row["category"],
            articles=frozenset(s for s in mapping[row["category"]] if s != OUT_OF_SCOPE),
        )
        for row in rows
    ]
