"""The BANKING77 development set: real customer questions labelled with the articles that answer them.

The questions stay in /work/shared/data/banking77/train.csv (never copied into the repo); the
category -> articles map is benchmarks/data/banking77_articles.yml. A question's half (tuning or
held-out) is fixed by a hash of its text, so the split never changes between runs or machines.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from tandem.config import REPO_ROOT

QUESTIONS_CSV = Path("/work/shared/data/banking77/train.csv")
MAPPING = REPO_ROOT / "benchmarks" / "data" / "banking77_articles.yml"
OUT_OF_SCOPE = "none"


@dataclass(frozen=True, slots=True)
class DevQuestion:
    text: str
    category: str
    articles: frozenset[str]  # any of these answers it; empty when the category is out of scope


def load_mapping(path: Path = MAPPING) -> dict[str, tuple[str, ...]]:
    """Category -> slugs; `none` (alone) marks an out-of-scope category."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of category -> [article slugs]")
    mapping = {}
    for category, slugs in data.items():
        if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
            raise ValueError(f"{path}: {category} needs a non-empty list of slugs (or [{OUT_OF_SCOPE}])")
        if OUT_OF_SCOPE in slugs and len(slugs) > 1:
            raise ValueError(f"{path}: {category} mixes '{OUT_OF_SCOPE}' with articles")
        mapping[str(category)] = tuple(slugs)
    return mapping


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
