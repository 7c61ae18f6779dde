"""The shipped help centre: the BANKING77 mapping's integrity and real customers' phrasings through
the real index (MiniLM + FAISS + BM25, built from training_data/knowledge)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks.kb_dev_set import (
    MAPPING,
    OUT_OF_SCOPE,
    QUESTIONS_CSV,
    is_held_out,
    load_dev_set,
    load_mapping,
)
from knowledge_index import KnowledgeIndex
from knowledge_index.articles import parse_article
from knowledge_index.builder import build_configured
from tandem.config import REPO_ROOT, settings

ARTICLES = REPO_ROOT / "training_data" / "knowledge"
SLUGS = {path.stem for path in ARTICLES.glob("*.md")}


def test_every_mapped_slug_is_an_article() -> None:
    named = {slug for slugs in load_mapping().values() for slug in slugs} - {OUT_OF_SCOPE}
    assert named - SLUGS == set()


@pytest.mark.skipif(not QUESTIONS_CSV.exists(), reason="BANKING77 is not on this machine")
def test_every_category_is_mapped_and_the_split_is_about_half() -> None:
    questions = load_dev_set(load_mapping())
    assert set(load_mapping()) == {q.category for q in questions}
    held_out = sum(is_held_out(q.text) for q in questions) / len(questions)
    assert 0.45 < held_out < 0.55


def test_mapping_rejects_a_category_without_articles(tmp_path: Path) -> None:
    path = tmp_path / "map.yml"
    path.write_text(yaml.safe_dump({"card_arrival": []}))
    with pytest.raises(ValueError, match="card_arrival needs a non-empty list"):
        load_mapping(path)


def test_mapping_file_is_the_one_the_index_is_built_with() -> None:
    assert MAPPING == REPO_ROOT / "training_data" / "customer_questions" / "banking77.yml"
    assert settings().resolve(settings().knowledge.customer_questions[0].labels) == MAPPING


def test_every_article_has_sample_questions() -> None:
    for path in sorted(ARTICLES.glob("*.md")):
        assert parse_article(path.stem, path.read_text(encoding="utf-8")).questions, path.name


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    """The shipped build: the articles and, where BANKING77 is on the machine, its labelled questions."""
    build_configured(settings())
    return KnowledgeIndex.load(settings().resolve(settings().knowledge.index_dir))


@pytest.mark.parametrize(
    ("question", "right"),
    [
        ("can I use my card in Japan", {"card-abroad"}),
        ("my husband died last week, what do I do about his account", {"bereavement"}),
        ("Is there a fee for sending money abroad?", {"account-fees", "transfer-international"}),
        ("where does the money in my account have to come from, you asked me for proof", {"source-of-funds"}),
        ("can I get a second card for the same account", {"card-spare-and-physical"}),
    ],
)
def test_real_customer_phrasings_find_the_right_article_and_are_answered(
    index: KnowledgeIndex, question: str, right: set[str]
) -> None:
    best = index.search(question, 3)[0]
    assert best.article in right
    assert best.score >= settings().knowledge.answer_threshold
    assert best.snippet and not best.snippet.startswith(question)


def test_an_unrelated_question_is_not_answered(index: KnowledgeIndex) -> None:
    assert (
        index.search("what's the weather like in Paris tomorrow", 3)[0].score
        < settings().knowledge.answer_threshold
    )
