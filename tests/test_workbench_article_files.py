"""Article files written from the knowledge gaps: a draft is a valid article that is neither indexed nor
served until published; a question lands in an article's sample questions as one added line, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge_index import KnowledgeIndex
from knowledge_index.articles import ArticleError, parse_article, read_sources
from knowledge_index.builder import build_index
from knowledge_index.embedder import load_minilm
from tandem.config import REPO_ROOT, settings
from workbench.article_files import add_question, draft_text, slug_for, with_question, write_draft

ARTICLES = REPO_ROOT / "training_data" / "knowledge"
BLOCK = """---
title: Card PIN
# kept: a comment in the front matter
tags: [cards, pin]
questions:
  - I forgot my PIN
  - "how do I change my PIN: in the app?"
---
# Card PIN

## Change it
In the app.
"""


@pytest.mark.parametrize(
    ("title", "taken", "slug"),
    [
        ("Buying cryptocurrency", set(), "buying-cryptocurrency"),
        ("Buying cryptocurrency", {"buying-cryptocurrency"}, "buying-cryptocurrency-2"),
        ("Buying cryptocurrency", {"buying-cryptocurrency", "buying-cryptocurrency-2"}, "buying-cryptocurrency-3"),
        ("Safe deposit boxes: what they cost & who can open one", set(), "safe-deposit-boxes-what-they-cost"),
        ("¿¡!!", set(), "article"),
    ],
)  # fmt: skip
def test_a_draft_gets_a_slug_of_its_own(title: str, taken: set[str], slug: str) -> None:
    assert slug_for(title, taken) == slug


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        # appended after the last item, in the file's own indentation; the comment stays
        (BLOCK, "what if I type it wrong 3 times", BLOCK.replace("PIN: in the app?\"\n",
         "PIN: in the app?\"\n  - what if I type it wrong 3 times\n")),
        # YAML quoting only where needed
        (BLOCK, "PIN: forgotten", BLOCK.replace("PIN: in the app?\"\n", "PIN: in the app?\"\n  - 'PIN: forgotten'\n")),
        # no questions yet: the key is added at the end of the front matter
        ("---\ntitle: T\n---\n# T\n\nText.\n", "where is it", "---\ntitle: T\nquestions:\n  - where is it\n---\n# T\n\nText.\n"),
        ("---\ntitle: T\nquestions: []\ntags: [a]\n---\nText.\n", "where is it",
         "---\ntitle: T\nquestions:\n  - where is it\ntags: [a]\n---\nText.\n"),
        # already there, case and spacing aside: nothing written twice
        (BLOCK, "i forgot  my pin", None),
    ],
)  # fmt: skip
def test_a_question_is_added_once_keeping_the_format(text: str, question: str, expected: str | None) -> None:
    assert with_question("card-pin", text, question) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("---\ntitle: T\nquestions: [a, b]\n---\nText.\n", ValueError),  # a flow list: by hand
        ("no front matter", ArticleError),
    ],
)
def test_an_article_it_cannot_edit_safely_is_left_alone(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        with_question("t", text, "where is it")


def test_every_shipped_article_takes_a_question(tmp_path: Path) -> None:
    """The real help centre's files: each one edited in place reads back with one more question."""
    shutil.copytree(ARTICLES, tmp_path, dirs_exist_ok=True)
    for path in sorted(tmp_path.glob("*.md")):
        before = path.read_text(encoding="utf-8")
        added = add_question(tmp_path, path.stem, "can I buy bitcoin in the app")
        after = path.read_text(encoding="utf-8")
        assert added.added and len(after.splitlines()) == len(before.splitlines()) + 1, path.name
        assert parse_article(path.stem, after).questions[-1] == "can I buy bitcoin in the app"
        assert not add_question(tmp_path, path.stem, "Can I buy bitcoin in the app").added
        assert path.read_text(encoding="utf-8") == after


def test_a_draft_is_not_indexed_until_published(tmp_path: Path) -> None:
    articles, index_dir = tmp_path / "articles", tmp_path / "index"
    articles.mkdir()
    (articles / "card-pin.md").write_text(BLOCK, encoding="utf-8")
    path = write_draft(articles, "Buying cryptocurrency", ["can I buy bitcoin in the app"])
    assert path.name == "buying-cryptocurrency.md" and "draft: true" in path.read_text(encoding="utf-8")
    assert (
        parse_article(path.stem, draft_text("Buying cryptocurrency", ["x"])).title == "Buying cryptocurrency"
    )
    assert [s.slug for s in read_sources(articles)] == ["card-pin"]

    minilm = load_minilm(settings().threads.torch)
    build_index(articles, index_dir, minilm)
    assert [h.article for h in KnowledgeIndex.load(index_dir).search("can I buy bitcoin", 5)] == ["card-pin"]

    published = path.read_text(encoding="utf-8").replace("draft: true\n", "")
    path.write_text(published, encoding="utf-8")
    report = build_index(articles, index_dir, minilm)
    assert report.added == ("buying-cryptocurrency",)
    assert KnowledgeIndex.load(index_dir).search("can I buy bitcoin", 5)[0].article == "buying-cryptocurrency"
    assert write_draft(articles, "Buying cryptocurrency", ["x"]).name == "buying-cryptocurrency-2.md"
