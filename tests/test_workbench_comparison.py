"""The comparison of a candidate model with the active one (workbench/comparison.py), table-driven."""

from __future__ import annotations

import pytest

from workbench.comparison import (
    Changed,
    CrossValidation,
    Example,
    IntentF1,
    StoryResults,
    accuracy,
    compare,
    compare_cross_validation,
    compare_stories,
    f1_by_intent,
)

A, B, C = "card_pin", "card_lost_stolen", "greet"


def examples(*intents: str) -> list[Example]:
    return [Example(f"text {n}", intent) for n, intent in enumerate(intents)]


@pytest.mark.parametrize(
    ("right", "predicted", "expected"),
    [
        ((), (), 0.0),
        ((A, B), (A, B), 1.0),
        ((A, B, C, C), (A, A, C, B), 0.5),
    ],
)
def test_accuracy(right: tuple[str, ...], predicted: tuple[str, ...], expected: float) -> None:
    assert accuracy(examples(*right), predicted) == expected


@pytest.mark.parametrize(
    ("right", "predicted", "expected"),
    [
        ((A, B), (A, B), {A: 1.0, B: 1.0}),
        # A: 1 hit, 2 wanted, 2 guessed -> 0.5; B: no hit -> 0; nlu_fallback counts as an intent guessed.
        ((A, A, B), (A, "nlu_fallback", A), {A: 0.5, B: 0.0, "nlu_fallback": 0.0}),
        ((A, A), (A, B), {A: 2 / 3, B: 0.0}),
    ],
)
def test_f1_by_intent(right: tuple[str, ...], predicted: tuple[str, ...], expected: dict[str, float]) -> None:
    assert f1_by_intent(examples(*right), predicted) == pytest.approx(expected)


def test_compare_says_what_went_up_and_down_and_which_messages_changed() -> None:
    held_out = examples(A, A, B, C)
    found = compare(held_out, before=[A, B, B, C], after=[A, A, C, C])
    assert (found.examples, found.before_accuracy, found.after_accuracy) == (4, 0.75, 0.75)
    assert found.up == (IntentF1(A, 2 / 3, 1.0),)
    # B: 2/3 -> 0 (its one example now read as C); C: 1 -> 2/3.
    assert [(s.intent, round(s.delta, 3)) for s in found.down] == [(B, -0.667), (C, -0.333)]
    assert found.changed == (Changed("text 1", A, B, A), Changed("text 2", B, B, C))
    assert [c.fixed for c in found.changed] == [True, False]


def test_the_same_predictions_change_nothing() -> None:
    found = compare(examples(A, B), before=[A, A], after=[A, A])
    assert (found.up, found.down, found.changed) == ((), (), ())
    assert found.before_accuracy == found.after_accuracy == 0.5


def test_predictions_must_match_the_examples() -> None:
    with pytest.raises(ValueError):
        compare(examples(A, B), before=[A], after=[A, B])


def validated(pairs: list[tuple[str, str, str]]) -> CrossValidation:
    """(text, right intent, the intent a fold that did not see it gave)."""
    return CrossValidation(3, tuple(Example(t, i) for t, i, _ in pairs), tuple(p for _, _, p in pairs))


def test_cross_validation_changes_are_read_on_the_examples_both_models_share() -> None:
    before = validated([("lost it", B, B), ("my pin", A, B), ("hello", C, C)])
    # The new model also learned "pin forgotten": its verdict counts in its own accuracy, not in the changes.
    after = validated([("lost it", B, B), ("my pin", A, A), ("hello", C, C), ("pin forgotten", A, A)])
    found = compare_cross_validation(before, after)
    assert (found.folds, found.before_examples, found.after_examples) == (3, 3, 4)
    assert (found.before_accuracy, found.after_accuracy) == (pytest.approx(2 / 3), 1.0)
    assert found.shared.examples == 3
    assert found.shared.changed == (Changed("my pin", A, B, A),)
    assert [s.intent for s in found.shared.up] == [A, B]


def test_an_example_relabelled_is_not_shared() -> None:
    found = compare_cross_validation(validated([("my pin", B, B)]), validated([("my pin", A, A)]))
    assert found.shared.examples == 0 and found.shared.changed == ()


@pytest.mark.parametrize(
    ("before", "after", "now_failing", "now_passing", "failing", "passed"),
    [
        (({"a", "b"}, set()), ({"a", "b"}, set()), (), (), (), (2, 2)),
        (({"a", "b"}, set()), ({"a"}, {"b"}), ("b",), (), ("b",), (2, 1)),
        (({"a"}, {"b"}), ({"a", "b"}, set()), (), ("b",), (), (1, 2)),
        # A story added since: it fails with the new model, but never passed with the active one.
        (({"a"}, set()), ({"a"}, {"new"}), (), (), ("new",), (1, 1)),
    ],
)
def test_compare_stories(
    before: tuple[set[str], set[str]],
    after: tuple[set[str], set[str]],
    now_failing: tuple[str, ...],
    now_passing: tuple[str, ...],
    failing: tuple[str, ...],
    passed: tuple[int, int],
) -> None:
    found = compare_stories(StoryResults(*map(frozenset, before)), StoryResults(*map(frozenset, after)))
    assert (found.now_failing, found.now_passing, found.failing) == (now_failing, now_passing, failing)
    assert (found.before_passed, found.after_passed) == passed
    assert found.total == len(after[0] | after[1])
