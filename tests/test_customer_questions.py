"""Labelled customer questions: reading and checking the CSV and labels, and indexing them beside
their article (a real MiniLM build in a temporary folder)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from knowledge_index import KnowledgeIndex, build_index
from knowledge_index.customer_questions import (
    CustomerQuestionsError,
    LabelledQuestion,
    configured_questions,
    load_labels,
    questions_by_article,
    read_questions,
)
from knowledge_index.embedder import MiniLMEmbedder
from tandem.config import REPO_ROOT, CustomerQuestionSettings, load_settings
from tests.test_knowledge_index import CountingEmbedder, articles_dir, embedder, minilm  # noqa: F401

LABELS = {"card_arrival": ["card-activation"], "top_up_failed": ["topup-failed", "card-activation"]}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        ("[a, b]", "expected a mapping"),
        ("card_arrival: []", "card_arrival needs a non-empty list"),
        ("card_arrival: [none, card-arrival]", "mixes 'none' with articles"),
        ("card_arrival: [1]", "card_arrival needs a non-empty list"),
        ("card_arrival: [card-arrival\n", "cannot read the labels file"),
    ],
)
def test_a_bad_labels_file_is_a_clear_error(tmp_path: Path, labels: str, error: str) -> None:
    with pytest.raises(CustomerQuestionsError, match=error):
        load_labels(write(tmp_path / "labels.yml", labels))


@pytest.mark.parametrize(
    ("csv", "error"),
    [
        ("question,label\nwhere is my card,card_arrival\n", "needs columns 'text' and 'category'"),
        ("text,category\nwhere is my card,card_lost\n", "categories with no labels: card_lost"),
    ],
)
def test_a_bad_questions_file_is_a_clear_error(tmp_path: Path, csv: str, error: str) -> None:
    with pytest.raises(CustomerQuestionsError, match=error):
        read_questions(
            write(tmp_path / "q.csv", csv), {"card_arrival": ("card-activation",)}, "text", "category"
        )


def test_a_questions_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(b"text,category\ncaf\xe9 card,card_arrival\n")
    with pytest.raises(CustomerQuestionsError, match="cannot read the questions"):
        read_questions(path, {"card_arrival": ("card-activation",)}, "text", "category")


def test_questions_are_read_with_their_category_articles_and_blank_rows_skipped(tmp_path: Path) -> None:
    csv = 'text,category\n"  where is   my card ",card_arrival\n"",card_arrival\nwhat is bitcoin,crypto\n'
    questions = read_questions(
        write(tmp_path / "q.csv", csv),
        {"card_arrival": ("card-activation",), "crypto": ("none",)},
        "text",
        "category",
    )
    assert questions == [
        LabelledQuestion("where is my card", "card_arrival", ("card-activation",)),
        LabelledQuestion("what is bitcoin", "crypto", ()),
    ]


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        ([], {}),
        ([LabelledQuestion("what is bitcoin", "crypto", ())], {}),
        (
            [
                LabelledQuestion("top up failed", "top_up_failed", ("topup-failed", "card-activation")),
                LabelledQuestion("Top up FAILED", "top_up_failed", ("topup-failed", "card-activation")),
                LabelledQuestion("card not here", "card_arrival", ("card-activation",)),
            ],
            {"topup-failed": ["top up failed"], "card-activation": ["card not here"]},
        ),
    ],
)
def test_each_question_goes_to_its_first_article_once(
    questions: list[LabelledQuestion], expected: dict[str, list[str]]
) -> None:
    assert questions_by_article(questions, ["topup-failed", "card-activation"]) == expected


def test_a_label_naming_a_missing_article_is_a_clear_error() -> None:
    question = LabelledQuestion("card not here", "card_arrival", ("card-arrival", "card-delivery"))
    with pytest.raises(
        CustomerQuestionsError, match="card_arrival names articles that do not exist: card-arrival"
    ):
        questions_by_article([question], ["card-delivery"])


def test_a_missing_questions_csv_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    config["tandem"]["knowledge"]["customer_questions"] = [
        {
            "csv": str(tmp_path / "absent.csv"),
            "labels": str(write(tmp_path / "l.yml", yaml.safe_dump(LABELS))),
        }
    ]
    cfg = load_settings(write(tmp_path / "config.yml", yaml.safe_dump(config)))
    assert cfg.knowledge.customer_questions == (
        CustomerQuestionSettings(csv=tmp_path / "absent.csv", labels=tmp_path / "l.yml"),
    )
    with caplog.at_level(logging.WARNING):
        assert configured_questions(cfg, ["card-activation", "topup-failed"]) == {}
    assert "customer questions not found" in caplog.text


def test_customer_questions_rank_their_article_and_only_it_is_re_embedded_when_they_change(
    articles_dir: Path,  # noqa: F811
    tmp_path: Path,
    embedder: CountingEmbedder,  # noqa: F811
    minilm: MiniLMEmbedder,  # noqa: F811
) -> None:
    index_dir = tmp_path / "index"
    asked = "the machine ate my money and nothing arrived on the card"
    build_index(articles_dir, index_dir, embedder)
    before = KnowledgeIndex.load(index_dir, minilm).search(asked, 3)[0]
    embedder.texts.clear()

    questions = {"topup-failed": [asked, "cash machine kept my deposit"]}
    report = build_index(articles_dir, index_dir, embedder, customer_questions=questions)

    assert report.updated == ("topup-failed",) and report.unchanged == ("branch-hours", "card-activation")
    assert set(questions["topup-failed"]) <= set(embedder.texts)
    index = KnowledgeIndex.load(index_dir, minilm)
    best = index.search(asked, 3)[0]
    assert best.article == "topup-failed" and best.score > before.score
    assert best.snippet != asked  # a question ranks its article but is never shown as the answer
    assert not build_index(articles_dir, index_dir, embedder, customer_questions=questions).written


def test_customer_questions_for_an_unknown_article_stop_the_build(
    articles_dir: Path,  # noqa: F811
    tmp_path: Path,
    minilm: MiniLMEmbedder,  # noqa: F811
) -> None:
    with pytest.raises(ValueError, match="do not exist: lost-card"):
        build_index(articles_dir, tmp_path / "index", minilm, customer_questions={"lost-card": ["lost it"]})
    assert not (tmp_path / "index").exists()
