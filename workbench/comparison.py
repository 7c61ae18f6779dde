"""A newly trained model next to the active one, on the same held-out examples.

Not cross-validation: k folds would cost k more trainings, far beyond the minutes a designer waits.
Both models predict a fixed held-out file kept in the repository (training_data/held_out/nlu.yml, none of it
in the training data); this module turns their predictions into what changed: accuracy, F1 per
intent, and the examples whose predicted intent changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str  # the right one


@dataclass(frozen=True, slots=True)
class IntentF1:
    intent: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Changed:
    text: str
    intent: str
    before: str
    after: str

    @property
    def fixed(self) -> bool:
        return self.after == self.intent


@dataclass(frozen=True, slots=True)
class Comparison:
    examples: int
    before_accuracy: float
    after_accuracy: float
    up: tuple[IntentF1, ...]  # F1 went up, most first
    down: tuple[IntentF1, ...]  # F1 went down, most first
    changed: tuple[Changed, ...]


def accuracy(examples: Sequence[Example], predicted: Sequence[str]) -> float:
    if not examples:
        return 0.0
    return sum(e.intent == p for e, p in zip(examples, predicted, strict=True)) / len(examples)


def f1_by_intent(examples: Sequence[Example], predicted: Sequence[str]) -> dict[str, float]:
    """F1 of every intent that is right or predicted at least once."""
    pairs = [(e.intent, p) for e, p in zip(examples, predicted, strict=True)]
    scores = {}
    for intent in {i for pair in pairs for i in pair}:
        hits = sum(right == guess == intent for right, guess in pairs)
        wanted = sum(right == intent for right, _ in pairs)
        guessed = sum(guess == intent for _, guess in pairs)
        scores[intent] = 2 * hits / (wanted + guessed)
    return scores


def compare(examples: Sequence[Example], before: Sequence[str], after: Sequence[str]) -> Comparison:
    """before: the active model's prediction for each example; after: the candidate's."""
    old, new = f1_by_intent(examples, before), f1_by_intent(examples, after)
    scores = [IntentF1(i, old.get(i, 0.0), new.get(i, 0.0)) for i in sorted(old.keys() | new.keys())]
    return Comparison(
        examples=len(examples),
        before_accuracy=accuracy(examples, before),
        after_accuracy=accuracy(examples, after),
        up=tuple(sorted((s for s in scores if s.delta > 0), key=lambda s: -s.delta)),
        down=tuple(sorted((s for s in scores if s.delta < 0), key=lambda s: s.delta)),
        changed=tuple(
            Changed(e.text, e.intent, b, a) for e, b, a in zip(examples, before, after, strict=True) if a != b
        ),
    )


def as_json(found: Comparison) -> dict[str, object]:
    return {
        "examples": found.examples,
        "before_accuracy": found.before_accuracy,
        "after_accuracy": found.after_accuracy,
        "up": [{"intent": s.intent, "before": s.before, "after": s.after} for s in found.up],
        "down": [{"intent": s.intent, "before": s.before, "after": s.after} for s in found.down],
        "changed": [
            {"text": c.text, "intent": c.intent, "before": c.before, "after": c.after, "fixed": c.fixed}
            for c in found.changed
        ],
    }
