"""A newly trained model next to the active one, three ways; each says what changed: accuracy, F1 per
intent, and the examples whose predicted intent changed.

- Held out: both models predict a fixed file kept in the repository (training_data/held_out/nlu.yml, none
  of it in the training data).
- Cross-validation: the intent classifier's calibration fits an SVM per fold anyway, and the model keeps
  what each fold said of the examples it did not see (bot/nlu_components/linear_intent_classifier.py). It
  costs no training of its own, and the vocabulary, idf and neighbour memory are the whole model's: only
  the SVM is refitted per fold. Compared on the training examples both models share; an example's fold
  comes from its text, so it is judged by the same fold in both.
- Test stories: which of tests/stories each model passes, end to end (`rasa test core --e2e`).
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


def comparison_json(found: Comparison) -> dict[str, object]:
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


@dataclass(frozen=True, slots=True)
class CrossValidation:
    folds: int
    examples: tuple[Example, ...]
    predicted: tuple[str, ...]  # by the fold model that did not see the example


@dataclass(frozen=True, slots=True)
class CrossValidationComparison:
    folds: int
    shared: Comparison  # on the examples both models were trained on
    before_examples: int
    after_examples: int
    before_accuracy: float  # on all of the active model's own training examples
    after_accuracy: float


def compare_cross_validation(before: CrossValidation, after: CrossValidation) -> CrossValidationComparison:
    """Each model was cross-validated on its own training data; the changes are read on the examples
    they share, since a newly labelled example has no verdict from the active model."""
    earlier = dict(zip(before.examples, before.predicted, strict=True))
    shared = [
        (e, earlier[e], p) for e, p in zip(after.examples, after.predicted, strict=True) if e in earlier
    ]
    return CrossValidationComparison(
        folds=after.folds,
        shared=compare([e for e, _, _ in shared], [b for _, b, _ in shared], [a for _, _, a in shared]),
        before_examples=len(before.examples),
        after_examples=len(after.examples),
        before_accuracy=accuracy(before.examples, before.predicted),
        after_accuracy=accuracy(after.examples, after.predicted),
    )


@dataclass(frozen=True, slots=True)
class StoryResults:
    passed: frozenset[str]
    failed: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoryComparison:
    total: int
    before_passed: int
    after_passed: int
    now_failing: tuple[str, ...]  # passed with the active model, fail with the new one
    now_passing: tuple[str, ...]
    failing: tuple[str, ...]  # every story the new model fails


def compare_stories(before: StoryResults, after: StoryResults) -> StoryComparison:
    return StoryComparison(
        total=len(after.passed | after.failed),
        before_passed=len(before.passed),
        after_passed=len(after.passed),
        now_failing=tuple(sorted(after.failed & before.passed)),
        now_passing=tuple(sorted(after.passed & before.failed)),
        failing=tuple(sorted(after.failed)),
    )


def cross_validation_json(found: CrossValidationComparison) -> dict[str, object]:
    return {
        "folds": found.folds,
        "before_examples": found.before_examples,
        "after_examples": found.after_examples,
        "before_accuracy": found.before_accuracy,
        "after_accuracy": found.after_accuracy,
        "shared": comparison_json(found.shared),
    }


def stories_json(found: StoryComparison) -> dict[str, object]:
    return {
        "total": found.total,
        "before_passed": found.before_passed,
        "after_passed": found.after_passed,
        "now_failing": list(found.now_failing),
        "now_passing": list(found.now_passing),
        "failing": list(found.failing),
    }
