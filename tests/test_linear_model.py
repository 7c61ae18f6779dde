"""The intent classifier's model (bot/nlu_components/linear_model.py) on small made-up data: what it
predicts, and the cross-validation its calibration folds give for free."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu_components.linear_model import Fitted, fit, stable_folds

RNG = np.random.default_rng(7)


def cluster(centre: int, n: int, width: int = 8) -> np.ndarray:
    """n unit vectors near the centre-th axis."""
    rows = np.eye(width)[centre] + 0.15 * RNG.standard_normal((n, width))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def data(sizes: dict[str, int]) -> tuple[np.ndarray, list[str]]:
    blocks = [cluster(i, n) for i, n in enumerate(sizes.values())]
    return np.vstack(blocks), [intent for intent, n in sizes.items() for _ in range(n)]


def fitted(dense: np.ndarray, labels: list[str], threads: int = 1) -> Fitted:
    return fit(
        None,
        dense,
        labels,
        c=1.0,
        dense_weight=1.0,
        similarity_weight=2.0,
        folds=stable_folds([f"example {n}" for n in range(len(labels))], 3),
        threads=threads,
    )


@pytest.mark.parametrize(
    ("sizes", "right_out_of_fold"),
    [
        # Well apart: every example is read right by the fold that did not see it.
        ({"greet": 9, "card_pin": 9, "goodbye": 9}, 27),
        # One example of an intent: the fold holding it never learned that intent, so it reads it wrong.
        ({"greet": 9, "card_pin": 9, "goodbye": 1}, 18),
    ],
)
def test_every_training_example_gets_a_cross_validated_intent(
    sizes: dict[str, int], right_out_of_fold: int
) -> None:
    dense, labels = data(sizes)
    found = fitted(dense, labels)
    assert found.cross_validated.shape == (len(labels),)
    assert int(np.sum(found.cross_validated == np.asarray(labels))) == right_out_of_fold
    probabilities = found.model.predict_proba(None, cluster(1, 3))
    assert list(found.model.classes[probabilities.argmax(axis=1)]) == ["card_pin"] * 3
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_fitting_on_two_threads_gives_the_same_model() -> None:
    dense, labels = data({"greet": 12, "card_pin": 12, "goodbye": 12})
    one, two = fitted(dense, labels, threads=1), fitted(dense, labels, threads=2)
    assert np.array_equal(one.model.weights, two.model.weights)
    assert one.model.temperature == two.model.temperature
    assert np.array_equal(one.cross_validated, two.cross_validated)


def test_no_fold_can_judge_when_every_intent_has_one_example() -> None:
    dense, labels = data({"greet": 1, "card_pin": 1})
    found = fitted(dense, labels)
    # Fewer examples per intent than 2 folds: no calibration, no verdict, temperature left at 1.
    assert list(found.cross_validated) == ["", ""]
    assert found.model.temperature == 1.0


def test_an_example_keeps_its_fold_whatever_else_is_trained() -> None:
    texts = [
        f"how do I {verb} my card" for verb in ("block", "activate", "replace", "freeze", "cancel", "find")
    ]
    folds = stable_folds(texts, 3)
    assert set(folds) <= {0, 1, 2}
    assert list(stable_folds(texts[::-1], 3)) == list(folds[::-1])
    assert list(stable_folds([*texts, "a new example"], 3)[:-1]) == list(folds)
