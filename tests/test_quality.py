"""The quality review's scoring (handoff/quality.py), as a table: every criterion scored within its
points, and the share of all points."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.quality import comment_of, scored
from tandem.config import QualityCriterion
from tandem.validation import InputError

CRITERIA = (
    QualityCriterion(key="greeting", label="Greeted", points=2),
    QualityCriterion(key="resolution", label="Resolved", points=3),
)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"greeting": 2, "resolution": 3}, ({"greeting": 2, "resolution": 3}, 100.0)),
        ({"greeting": 1, "resolution": 1}, ({"greeting": 1, "resolution": 1}, 40.0)),
        ({"greeting": 0, "resolution": 0}, ({"greeting": 0, "resolution": 0}, 0.0)),
    ],
)
def test_a_full_score_sheet(scores: dict[str, int], expected: tuple[dict[str, int], float]) -> None:
    assert scored(scores, CRITERIA) == expected


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ("greeting=2", "invalid_scores"),
        ({"greeting": 2}, "invalid_score"),  # every criterion is scored
        ({"greeting": 3, "resolution": 1}, "invalid_score"),  # above its points
        ({"greeting": -1, "resolution": 1}, "invalid_score"),
        ({"greeting": True, "resolution": 1}, "invalid_score"),
        ({"greeting": 1.5, "resolution": 1}, "invalid_score"),
        ({"greeting": 1, "resolution": 1, "speed": 1}, "unknown_criteria"),
    ],
)
def test_a_wrong_score_sheet_is_refused(scores: Any, code: str) -> None:
    with pytest.raises(InputError) as refused:
        scored(scores, CRITERIA)
    assert refused.value.code == code


def test_comments() -> None:
    assert comment_of(None) is None and comment_of("  ") is None
    assert comment_of(" Good empathy. ") == "Good empathy."
    with pytest.raises(InputError):
        comment_of("x" * 4001)
