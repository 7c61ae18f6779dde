"""Pure parts of the knowledge index: article parsing and chunking."""

from __future__ import annotations

import pytest

from knowledge_index.articles import Article, ArticleError, Section, parse_article
from knowledge_index.chunking import Chunk, ChunkingParams, chunk_article, embedding_text, word_windows

ARTICLE = """---
title: Activating your new card
tags: [cards, activation]
---
# Activating your new card

Your new card arrives inactive.

## Activate in the app
Open the app and tap **Cards**.

### A sub-heading stays in its section
More detail.

## Empty section

## Problems
Call us.
"""


def test_parse_article_splits_front_matter_h1_and_sections() -> None:
    assert parse_article("card-activation", ARTICLE) == Article(
        slug="card-activation",
        title="Activating your new card",
        tags=("cards", "activation"),
        sections=(
            Section("", "Your new card arrives inactive."),
            Section(
                "Activate in the app",
                "Open the app and tap **Cards**.\n\n### A sub-heading stays in its section\nMore detail.",
            ),
            Section("Problems", "Call us."),
        ),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\n\n## Section\nText.", "must start with a '---'"),
        ("---\ntitle: Never closed\n# Heading", "no closing '---'"),
        ("---\ntags: [a]\n---\n# H\n\n## S\nText.", "non-empty 'title'"),
        ("---\ntitle: '  '\n---\n# H\n", "non-empty 'title'"),
        ("---\ntitle: T\ntags: cards\n---\n# H\n", "'tags' must be a list"),
        ("---\ntitle: [unclosed\n---\n# H\n", "not valid YAML"),
        ("---\n- a list\n---\n# H\n", "must be a YAML mapping"),
    ],
)
def test_parse_article_rejects_malformed_articles_naming_the_slug(text: str, message: str) -> None:
    with pytest.raises(ArticleError, match=message) as raised:
        parse_article("broken-article", text)
    assert "broken-article" in str(raised.value)


def test_parse_article_allows_missing_tags_and_quoted_titles() -> None:
    article = parse_article("pin", '---\ntitle: "Your PIN: view it"\n---\n# Your PIN\n\n## View\nTap PIN.\n')
    assert (article.title, article.tags, article.sections) == (
        "Your PIN: view it",
        (),
        (Section("View", "Tap PIN."),),
    )


WORDS = [f"w{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("count", "size", "overlap", "expected_starts_and_ends"),
    [
        (0, 4, 1, [(0, 0)]),
        (3, 4, 1, [(0, 3)]),
        (4, 4, 1, [(0, 4)]),
        (5, 4, 1, [(0, 4), (3, 5)]),
        (10, 4, 1, [(0, 4), (3, 7), (6, 10)]),
        (10, 4, 0, [(0, 4), (4, 8), (8, 10)]),
        (10, 5, 2, [(0, 5), (3, 8), (6, 10)]),
        (8, 5, 2, [(0, 5), (3, 8)]),
    ],
)
def test_word_windows(
    count: int, size: int, overlap: int, expected_starts_and_ends: list[tuple[int, int]]
) -> None:
    words = WORDS[:count]
    assert word_windows(words, size, overlap) == [words[start:end] for start, end in expected_starts_and_ends]


@pytest.mark.parametrize(("max_words", "overlap_words"), [(0, 0), (4, 4), (4, 5), (4, -1)])
def test_chunking_params_reject_windows_that_would_not_advance(max_words: int, overlap_words: int) -> None:
    with pytest.raises(ValueError, match="overlap_words"):
        ChunkingParams(max_words=max_words, overlap_words=overlap_words)


def _article(*sections: Section) -> Article:
    return Article(slug="fees", title="Account fees", tags=(), sections=sections)


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        (_article(), []),
        (
            _article(Section("", "Intro text."), Section("Monthly fee", "It is  £3\nmonthly.")),
            [
                Chunk("fees#0", "fees", "Account fees", "", "Intro text."),
                Chunk("fees#1", "fees", "Account fees", "Monthly fee", "It is £3 monthly."),
            ],
        ),
        (
            _article(Section("Long", "a b c d e f g"), Section("Short", "x y")),
            [
                Chunk("fees#0", "fees", "Account fees", "Long", "a b c d"),
                Chunk("fees#1", "fees", "Account fees", "Long", "d e f g"),
                Chunk("fees#2", "fees", "Account fees", "Short", "x y"),
            ],
        ),
    ],
)
def test_chunk_article_one_chunk_per_section_and_overlapping_windows(
    article: Article, expected: list[Chunk]
) -> None:
    assert chunk_article(article, ChunkingParams(max_words=4, overlap_words=1)) == expected


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Monthly fee", "Account fees — Monthly fee\nIt is £3."),
        ("", "Account fees\nIt is £3."),
    ],
)
def test_embedding_text_puts_title_and_heading_in_front(section: str, expected: str) -> None:
    assert embedding_text(Chunk("fees#0", "fees", "Account fees", section, "It is £3.")) == expected


def test_front_matter_questions_become_question_chunks_after_the_sections() -> None:
    text = ARTICLE.replace(
        "tags: [cards, activation]\n",
        "tags: [cards]\nquestions:\n  - how do I start using my card?\n  - ' new card, now what? '\n",
    )
    article = parse_article("card-activation", text)
    assert article.questions == ("how do I start using my card?", "new card, now what?")
    chunks = chunk_article(article, ChunkingParams())
    questions = [chunk for chunk in chunks if chunk.is_question]
    assert [(c.id, c.section, c.text) for c in questions] == [
        ("card-activation#3", "", "how do I start using my card?"),
        ("card-activation#4", "", "new card, now what?"),
    ]
    assert not any(chunk.is_question for chunk in chunks[:3])
    # a question embeds alone, as the customer's question would
    assert embedding_text(questions[0]) == "how do I start using my card?"


@pytest.mark.parametrize("questions", ["questions: how?", "questions: [1, 2]", "questions: ['  ']"])
def test_malformed_front_matter_questions_name_the_slug(questions: str) -> None:
    text = ARTICLE.replace("tags: [cards, activation]", f"tags: [cards]\n{questions}")
    with pytest.raises(ArticleError, match="card-activation: front matter 'questions'"):
        parse_article("card-activation", text)
