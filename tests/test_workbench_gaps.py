"""Knowledge gaps, pure: which searched questions are gaps, which may never be shown, how they group by
topic (with the real MiniLM model), what the bot's marker carries, and what may become a sample question."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge_index.embedder import load_minilm
from tandem.knowledge_outcome import knowledge_marker, knowledge_outcome
from workbench.gaps import Gap, article_question, cluster_gaps, gaps_to_show, is_gap
from workbench.inbox import Candidate

GAP_SCORE = 0.93


def gap(text: str = "can I buy bitcoin", answered: bool = False, score: float | None = None,
        message_id: int = 1, masked: bool = False) -> Gap:  # fmt: skip
    article = "card-types" if score is not None else None
    return Gap(
        Candidate(message_id, "c1", text, "nlu_fallback", 0.3, masked=masked), answered, article, score
    )


@pytest.mark.parametrize(
    ("searched", "expected"),
    [
        (gap(answered=False, score=None), True),  # nothing found at all
        (gap(answered=False, score=0.41), True),  # the nearest article was not close enough
        (gap(answered=True, score=0.85), True),  # answered, from an article that barely matched
        (gap(answered=True, score=0.93), False),
        (gap(answered=True, score=1.4), False),
    ],
)
def test_a_gap_is_no_answer_or_a_weak_one(searched: Gap, expected: bool) -> None:
    assert is_gap(searched, GAP_SCORE) is expected


def test_a_gap_that_may_hold_a_secret_is_never_shown_but_counted() -> None:
    searched = [
        gap("can I buy bitcoin", message_id=1),
        gap("my card 4929 1234 5678 was refused for crypto", message_id=2),
        gap("[security details hidden]", masked=True, message_id=3),
        gap("is there a pension", answered=True, score=1.2, message_id=4),  # answered well: not a gap
    ]
    shown, withheld = gaps_to_show(searched, GAP_SCORE)
    assert [g.message.message_id for g in shown] == [1] and withheld == 2


def test_gaps_group_by_topic_largest_first_with_typical_samples() -> None:
    texts = [
        "can i buy bitcoin in the app",  # 1
        "do you have safe deposit boxes",  # 2
        "do you let customers trade crypto",  # 3
        "Can I buy  bitcoin in the app",  # 4: the same question again, shown once
        "is there a cryptocurrency wallet",  # 5
        "can I rent a safety deposit box at the branch",  # 6
        "does my account come with travel insurance",  # 7
    ]
    gaps = [gap(text, message_id=i) for i, text in enumerate(texts, start=1)]
    clusters = cluster_gaps(gaps, load_minilm(1).embed(texts))
    assert [sorted(g.message.message_id for g in c.gaps) for c in clusters] == [[1, 3, 4, 5], [2, 6], [7]]
    assert [g.message.message_id for g in clusters[0].gaps] == [5, 4, 3, 1]  # newest first
    crypto = clusters[0].samples
    assert len(crypto) == 3 and {s.casefold() for s in crypto} == {
        "can i buy bitcoin in the app",
        "do you let customers trade crypto",
        "is there a cryptocurrency wallet",
    }
    assert cluster_gaps([], load_minilm(1).embed([])) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([{"text": "Sorry"}, {"custom": knowledge_marker(False, None, None)}],
         {"answered": False, "article": None, "score": None}),
        ([{"custom": knowledge_marker(True, "card-pin", 1.234567)}, {"text": "Your PIN..."}],
         {"answered": True, "article": "card-pin", "score": 1.2346}),
        ([{"custom": {"knowledge": {"answered": "yes", "article": "x", "score": 1}}}], None),
        ([{"custom": {"knowledge": {"answered": True, "article": 7, "score": True}}}],
         {"answered": True, "article": None, "score": None}),
        ([{"custom": {"secret_answer": "m1"}}, {"text": "Thanks"}], None),
        ({"custom": knowledge_marker(True, "a", 1.0)}, None),  # not the channel's list
        ([], None),
    ],
)  # fmt: skip
def test_what_the_bot_says_it_found_is_read_strictly(payload: Any, expected: dict[str, Any] | None) -> None:
    assert knowledge_outcome(payload) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  can I buy\n bitcoin  ", "can I buy bitcoin"),
        ("what's the fee: for crypto?", "what's the fee: for crypto?"),
        ("   ", ValueError),
        ("x" * 301, ValueError),
        ("my account 12345678 crypto", ValueError),  # may hold a number: never into git
    ],
)
def test_what_may_become_a_sample_question(typed: str, expected: str | type[Exception]) -> None:
    if isinstance(expected, str):
        assert article_question(typed) == expected
    else:
        with pytest.raises(expected):
            article_question(typed)
