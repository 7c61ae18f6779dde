"""Pure parts of the knowledge index: build planning, hit grouping, metrics, calibration, config edit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from knowledge_index.builder import BuildPlan, order_rows, plan_build
from knowledge_index.calibration import Outcome, choose, evaluate, grid, lowest_within_wrong_rate, outcomes
from knowledge_index.chunking import Chunk
from knowledge_index.config_file import with_answer_threshold
from knowledge_index.evaluation import (
    Question,
    load_calibration_set,
    load_questions,
    mean_reciprocal_rank,
    rank_of,
    recall_at_k,
    unknown_articles,
)
from knowledge_index.fusion import (
    FusionParams,
    best_by_article,
    mix,
    ranked,
    reciprocal_rank_fusion,
    with_margin,
)
from knowledge_index.search import Hit, article_hits, make_snippet


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ({}, {"a": "1"}, BuildPlan(added=("a",), updated=(), removed=(), unchanged=())),
        ({"a": "1"}, {}, BuildPlan(added=(), updated=(), removed=("a",), unchanged=())),
        ({"a": "1"}, {"a": "1"}, BuildPlan(added=(), updated=(), removed=(), unchanged=("a",))),
        ({"a": "1"}, {"a": "2"}, BuildPlan(added=(), updated=("a",), removed=(), unchanged=())),
        (
            {"b": "1", "a": "1", "c": "1"},
            {"c": "1", "a": "2", "d": "1"},
            BuildPlan(added=("d",), updated=("a",), removed=("b",), unchanged=("c",)),
        ),
    ],
)
def test_plan_build(previous: dict[str, str], current: dict[str, str], expected: BuildPlan) -> None:
    assert plan_build(previous, current) == expected


def test_plan_is_changed_unless_everything_is_unchanged() -> None:
    assert not plan_build({"a": "1"}, {"a": "1"}).changed
    assert plan_build({"a": "1"}, {"a": "1", "b": "1"}).changed


def _row(chunk_id: str) -> tuple[Chunk, np.ndarray]:
    return Chunk(chunk_id, chunk_id.split("#")[0], "", "", ""), np.zeros(2, dtype=np.float32)


@pytest.mark.parametrize(
    ("row_ids", "slugs", "expected"),
    [
        (["b#0", "a#0", "b#1", "a#1"], ["a", "b"], ["a#0", "a#1", "b#0", "b#1"]),
        (["a#0", "gone#0", "c#0"], ["a", "c"], ["a#0", "c#0"]),
        (["a#1", "a#0"], ["a", "no-chunks"], ["a#1", "a#0"]),
        ([], ["a"], []),
    ],
)
def test_order_rows_groups_by_article_in_slug_order(
    row_ids: list[str], slugs: list[str], expected: list[str]
) -> None:
    assert [chunk.id for chunk, _ in order_rows([_row(i) for i in row_ids], slugs)] == expected


CHUNKS = [
    Chunk("a#0", "a", "Article A", "One", "a zero"),
    Chunk("a#1", "a", "Article A", "Two", "a one"),
    Chunk("a#2", "a", "Article A", "", "what is a?", is_question=True),
    Chunk("b#0", "b", "Article B", "", "b zero"),
    Chunk("c#0", "c", "Article C", "Three", "c zero"),
]


@pytest.mark.parametrize(
    ("scores", "k", "expected"),
    [
        # article score = its best chunk + 2 x its lead over the best other article;
        # shown chunk = its best text chunk
        ([0.1, 0.9, 0.0, 0.8, 0.7], 3, [("a", 1.1, "a#1"), ("b", 0.6, "b#0"), ("c", 0.3, "c#0")]),
        ([0.1, 0.9, 0.0, 0.8, 0.7], 2, [("a", 1.1, "a#1"), ("b", 0.6, "b#0")]),
        # a sample question ranks its article, but the hit shows the best text chunk
        ([0.3, 0.2, 0.95, 0.8, 0.7], 1, [("a", 1.25, "a#0")]),
        # a tie leads nobody: both keep their own score
        ([0.1, 0.2, 0.3, 0.5, 0.5], 5, [("b", 0.5, "b#0"), ("c", 0.5, "c#0"), ("a", -0.1, "a#1")]),
    ],
)
def test_article_hits_rank_articles_by_their_best_chunk(
    scores: list[float], k: int, expected: list[tuple[str, float, str]]
) -> None:
    hits = article_hits(np.array(scores, dtype=np.float32), CHUNKS, k)
    assert [(hit.article, round(hit.score, 4), hit.chunk_id) for hit in hits] == expected


def test_article_hits_fill_every_hit_field() -> None:
    assert article_hits(np.array([0.5, 0.25, 0.0, 0.0, 0.0]), CHUNKS, 1) == [
        Hit(score=1.5, article="a", title="Article A", section="One", snippet="a zero", chunk_id="a#0")
    ]


@pytest.mark.parametrize(
    ("dense", "lexical", "params", "expected"),
    [
        ([0.5, 0.2], [0.0, 0.0], FusionParams(0.5, 20.0), [0.5, 0.2]),
        ([0.5, 0.2], [20.0, 60.0], FusionParams(0.5, 20.0), [0.75, 0.575]),
        ([0.5], [-3.0], FusionParams(0.5, 20.0), [0.5]),  # a negative BM25 score never lowers the cosine
        ([0.5, 0.2], [5.0, 5.0], FusionParams(0.0, 1.0), [0.5, 0.2]),  # weight 0: dense only
    ],
)
def test_mix_adds_the_saturated_bm25_score(
    dense: list[float], lexical: list[float], params: FusionParams, expected: list[float]
) -> None:
    assert mix(np.array(dense), np.array(lexical), params).round(4).tolist() == expected


@pytest.mark.parametrize(
    ("from_customers", "offset", "expected"),
    [
        ([False, False], 0.06, [0.5, 0.2]),
        ([True, False], 0.06, [0.44, 0.2]),
        ([True, True], 0.0, [0.5, 0.2]),
    ],
)
def test_mix_takes_the_offset_off_labelled_customer_questions(
    from_customers: list[bool], offset: float, expected: list[float]
) -> None:
    params = FusionParams(0.5, 20.0, customer_question_offset=offset)
    fused = mix(np.array([0.5, 0.2]), np.zeros(2), params, np.array(from_customers))
    assert fused.round(4).tolist() == expected


@pytest.mark.parametrize(
    ("rankings", "k", "expected"),
    [
        ([["a", "b"], ["a", "b"]], 60, {"a": 2 / 61, "b": 2 / 62}),
        ([["a", "b"], ["b", "c"]], 1, {"a": 1 / 2, "b": 1 / 3 + 1 / 2, "c": 1 / 3}),
        ([[]], 60, {}),
    ],
)
def test_reciprocal_rank_fusion(rankings: list[list[str]], k: int, expected: dict[str, float]) -> None:
    assert reciprocal_rank_fusion(rankings, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("scores", "articles", "expected"),
    [
        ([0.1, 0.3, 0.2], ["a", "a", "b"], {"a": 0.3, "b": 0.2}),
        ([], [], {}),
    ],
)
def test_best_by_article(scores: list[float], articles: list[str], expected: dict[str, float]) -> None:
    assert best_by_article(scores, articles) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("scores", "weight", "expected"),
    [
        ([0.9, 0.5, 0.7], 2.0, [1.3, -0.3, 0.3]),
        ([0.5, 0.5, 0.1], 2.0, [0.5, 0.5, -0.7]),
        ([0.9, 0.5], 0.0, [0.9, 0.5]),
        ([0.9], 2.0, [0.9]),  # a lone article has no rival
    ],
)
def test_with_margin_adds_the_lead_over_the_best_rival(
    scores: list[float], weight: float, expected: list[float]
) -> None:
    assert with_margin(np.array(scores), weight).round(4).tolist() == expected


def test_ranked_breaks_ties_by_name() -> None:
    assert ranked({"b": 0.5, "a": 0.5, "c": 0.9}) == ["c", "a", "b"]


@pytest.mark.parametrize(("weight", "half", "margin"), [(-0.1, 1.0, 1.0), (0.5, 0.0, 1.0), (0.5, 1.0, -1.0)])
def test_fusion_params_reject_nonsense(weight: float, half: float, margin: float) -> None:
    with pytest.raises(ValueError, match="lexical_weight"):
        FusionParams(weight, half, margin)


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("Tap **Cards** then\n  **Activate**.", 200, "Tap Cards then Activate."),
        ("one two three four", 13, "one two…"),
        ("one two, three four", 14, "one two…"),
        ("exactly ten", 11, "exactly ten"),
    ],
)
def test_make_snippet(text: str, max_chars: int, expected: str) -> None:
    assert make_snippet(text, max_chars) == expected


def test_ranking_metrics() -> None:
    ranks = [rank_of(want, got) for want, got in [("a", ["a", "b"]), ("b", ["a", "c", "b"]), ("d", ["a"])]]
    assert ranks == [1, 3, None]
    assert (recall_at_k(ranks, 1), recall_at_k(ranks, 3)) == (pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3) / 3)


def test_unknown_articles_lists_labels_the_index_lacks() -> None:
    questions = [Question("q1", "a"), Question("q2", "zz"), Question("q3", None), Question("q4", "zz")]
    assert unknown_articles(questions, {"a", "b"}) == ["zz"]


def test_load_question_files(tmp_path: Path) -> None:
    questions = tmp_path / "q.yml"
    questions.write_text("questions:\n  - text: where is my card\n    article: card-arrival\n")
    calibration = tmp_path / "c.yml"
    calibration.write_text(
        "answerable:\n  - {text: lost card, article: card-lost}\nunanswerable:\n  - {text: buy bitcoin}\n"
    )
    assert load_questions(questions) == [Question("where is my card", "card-arrival")]
    assert load_calibration_set(calibration) == [
        Question("lost card", "card-lost"),
        Question("buy bitcoin", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions: []\n", "non-empty list"),
        ("questions:\n  - text: no label\n", "needs an 'article'"),
        ("questions:\n  - article: a\n", "needs a non-empty 'text'"),
        ("- just a list\n", "mapping at the top level"),
    ],
)
def test_load_questions_rejects_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "q.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_questions(path)


def _hit(article: str, score: float) -> Hit:
    return Hit(score=score, article=article, title="", section="", snippet="", chunk_id=f"{article}#0")


def test_outcomes_mark_right_top_article_as_correct() -> None:
    ranked = {
        "lost card": [_hit("card-lost", 0.8)],
        "fees": [_hit("wrong", 0.6)],
        "bitcoin": [_hit("fx", 0.3)],
    }
    questions = [Question("lost card", "card-lost"), Question("fees", "fees"), Question("bitcoin", None)]
    assert outcomes(questions, ranked.__getitem__) == [
        Outcome(0.8, correct=True),
        Outcome(0.6, correct=False),
        Outcome(0.3, correct=False),
    ]


# Right answers score 0.6-0.8; wrong or unanswerable ones 0.2-0.5, except one wrong answer at 0.7.
RESULTS = [
    Outcome(0.8, True),
    Outcome(0.7, True),
    Outcome(0.6, True),
    Outcome(0.7, False),
    Outcome(0.5, False),
    Outcome(0.3, False),
    Outcome(0.2, False),
]


@pytest.mark.parametrize(
    ("threshold", "counts", "f1", "accuracy"),
    [
        (0.0, (3, 4, 0, 0), 0.6, 3 / 7),
        (0.55, (3, 1, 0, 3), 6 / 7, 6 / 7),
        (0.65, (2, 1, 1, 3), 2 / 3, 5 / 7),
        (0.9, (0, 0, 3, 4), 0.0, 4 / 7),
    ],
)
def test_evaluate_threshold(
    threshold: float, counts: tuple[int, int, int, int], f1: float, accuracy: float
) -> None:
    row = evaluate(RESULTS, threshold)
    assert (row.tp, row.fp, row.fn, row.tn) == counts
    assert (row.f1, row.accuracy) == (pytest.approx(f1), pytest.approx(accuracy))


def test_choose_takes_the_middle_of_the_best_plateau() -> None:
    # Every threshold in (0.5, 0.6] gives F1 6/7; the middle of 0.51..0.60 is 0.55.
    chosen = choose(RESULTS, grid())
    assert chosen.threshold == 0.55
    assert chosen.f1 == pytest.approx(6 / 7)


@pytest.mark.parametrize(
    ("max_wrong", "expected"),
    [
        (0.5, 0.1),  # at 0.1: 1 wrong of 4 is within half
        (0.25, 0.1),
        (0.2, 0.7),  # the wrong answer at 0.6 must be refused
        (0.0, 0.7),
    ],
)
def test_lowest_within_wrong_rate(max_wrong: float, expected: float) -> None:
    results = [Outcome(0.9, True), Outcome(0.6, False), Outcome(0.8, True), Outcome(0.2, True)]
    assert lowest_within_wrong_rate(results, [0.7, 0.1, 0.5], max_wrong) == expected


def test_lowest_within_wrong_rate_falls_back_to_the_highest_candidate() -> None:
    assert lowest_within_wrong_rate([Outcome(0.9, False)], [0.1, 0.5], 0.0) == 0.5


def test_grid_spans_zero_to_top() -> None:
    assert grid(0.25, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert len(grid()) == 201 and grid()[-1] == 2.0


CONFIG = """\
# top comment
recipe: default.v1
pipeline:
  - name: FallbackClassifier
    threshold: 0.4
tandem:
  bank_name: Northwind Bank
  gateway:
    answer_threshold: 0.99
  knowledge:
    articles_dir: training_data/knowledge

    answer_threshold: 0.45  # old comment
    top_k: 3
  threads:
    torch: 1
"""


def test_with_answer_threshold_edits_only_that_line() -> None:
    updated = with_answer_threshold(CONFIG, 0.5234, "from calibrate")
    expected = CONFIG.replace(
        "answer_threshold: 0.45  # old comment", "answer_threshold: 0.52  # from calibrate"
    )
    assert updated == expected
    assert yaml.safe_load(updated)["tandem"]["knowledge"]["answer_threshold"] == 0.52


@pytest.mark.parametrize(
    ("config", "comment", "message"),
    [
        ("tandem:\n  knowledge:\n    top_k: 3\n", "c", "missing 'answer_threshold'"),
        ("other:\n  knowledge:\n    answer_threshold: 1\n", "c", "missing 'tandem'"),
        (CONFIG, "two\nlines", "single line"),
    ],
)
def test_with_answer_threshold_refuses_what_it_cannot_edit(config: str, comment: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_answer_threshold(config, 0.5, comment)
