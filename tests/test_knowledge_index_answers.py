"""The answer extractor: the section that answers, in whole sentences and steps (pure, no index)."""

from __future__ import annotations

import pytest

from knowledge_index.answers import (
    Answer,
    answer_from,
    best_section,
    leading_sentences,
    plain,
    split_section,
    split_sentences,
)
from knowledge_index.articles import parse_article

ARTICLE = parse_article(
    "card-activation",
    """---
title: Activating your new card
---
# Activating your new card

Your new card arrives inactive. Activating it takes a minute.

## Activate your card in the app
1. Open the app and tap **Cards**.
2. Select the new card. It shows as **Awaiting activation**.
3. Tap **Activate card**.

Your card is ready straight away. See [your PIN](/help/card-pin) if you need it.

## Replacing an old card
If your new card replaces an old one, the old card stops working once the new one is activated.
Cut the old card through the chip before throwing it away.

## Problems activating
- **Card shows as blocked**: make sure you are activating the new one,
  not the old one.
- **Activation option missing**: update the app.
""",
)


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("One. Two!", ["One.", "Two!"]),
        ("Pay £1.50 e.g. at a shop. Then go.", ["Pay £1.50 e.g. at a shop.", "Then go."]),
        ("Call 0330 123 4567. It is free.", ["Call 0330 123 4567.", "It is free."]),
        ('He said "Stop." Then left.', ['He said "Stop."', "Then left."]),
        ("No full stop", ["No full stop"]),
        ("  wrapped\n  line.  ", ["wrapped line."]),
        ("", []),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("tap **Cards**", "tap Cards"),
        ("see [your PIN](/help/card-pin)", "see your PIN"),
        ("**[bold link](/x)**", "bold link"),
        ("`code` and *it*", "code and it"),
        ("plain", "plain"),
    ],
)
def test_plain(markdown: str, text: str) -> None:
    assert plain(markdown) == text


def test_a_section_splits_into_lead_steps_and_after_in_order() -> None:
    parts = split_section("Before:\n1. one\n2. two\n   wrapped\n\nAfter it. Done.")
    assert parts.lead == ("Before:",)
    assert parts.steps == ("one", "two wrapped")
    assert parts.after == ("After it.", "Done.")
    assert parts.numbered
    assert not split_section("- a\n- b").numbered


@pytest.mark.parametrize(
    ("query", "dense", "heading"),
    [
        # The search's best chunk was the old-card paragraph by 0.017; the question's words pick activation.
        (
            "how do I activate my new card",
            {"Activate your card in the app": 0.669, "Replacing an old card": 0.686},
            "Activate your card in the app",
        ),
        (
            "my card shows as blocked",
            {"Problems activating": 0.65, "Activate your card in the app": 0.6},
            "Problems activating",
        ),
        ("what do I do with the old card", {}, "Replacing an old card"),
        ("activating", {}, "Activate your card in the app"),  # equal headings: the article's order
        # Clearly better embeddings win over shared words.
        ("xyz", {"Problems activating": 0.8, "Activate your card in the app": 0.4}, "Problems activating"),
        # Nothing matches at all: the first section (the article's introduction).
        ("zzz", {}, ""),
    ],
)
def test_best_section(query: str, dense: dict[str, float], heading: str) -> None:
    assert best_section(ARTICLE, query, dense).heading == heading


def test_the_activation_answer_for_chat_is_whole_and_in_order() -> None:
    answer = answer_from(ARTICLE, "how do I activate my new card", {})
    assert answer.markdown == (
        "1. Open the app and tap **Cards**.\n"
        "2. Select the new card. It shows as **Awaiting activation**.\n"
        "3. Tap **Activate card**.\n"
        "Your card is ready straight away. See [your PIN](/help/card-pin) if you need it."
    )


def test_the_spoken_form_is_short_and_the_steps_plain() -> None:
    answer = answer_from(ARTICLE, "how do I activate my new card", {})
    assert answer.summary == "Activate your card in the app: there are 3 steps."
    assert answer.spoken_steps == (
        "Open the app and tap Cards.",
        "Select the new card. It shows as Awaiting activation.",
        "Tap Activate card.",
    )
    bullets = answer_from(ARTICLE, "my card shows as blocked", {"Problems activating": 0.7})
    assert bullets.summary == "Problems activating: there are 2 points."
    assert bullets.markdown.startswith(
        "- **Card shows as blocked**: make sure you are activating the new one, not"
    )


@pytest.mark.parametrize(
    ("lead", "steps", "summary", "offered"),
    [
        # A sentence introducing a short list takes the list along: nothing left to offer.
        (("Our larger branches are also open:",), ("**Saturday:** 9:00 to 13:00",),
         "Our larger branches are also open: Saturday: 9:00 to 13:00.", ()),
        # Too long to take along: the count instead, the items offered.
        (("Fees depend on your card:",), ("a " * 20, "b " * 20),
         "Fees depend on your card. There are 2 points.", ("a " * 20, "b " * 20)),
        # A sentence that is not an introduction: the list is offered.
        (("Do this first.",), ("one", "two"), "Do this first.", ("one", "two")),
    ],
)  # fmt: skip
def test_a_list_introduced_by_a_colon(
    lead: tuple[str, ...], steps: tuple[str, ...], summary: str, offered: tuple[str, ...]
) -> None:
    answer = Answer("s", "T", "H", lead, steps, (), False)
    assert answer.summary == summary
    assert answer.spoken_steps == tuple(" ".join(step.split()) for step in offered)


def test_prose_is_spoken_in_whole_sentences_up_to_about_30_words() -> None:
    long = "This sentence has exactly ten words in it, you see."
    answer = Answer("s", "T", "H", (long, long, long, long), (), (), False)
    assert answer.summary == f"{long} {long} {long}"
    assert answer.spoken_steps == (long,)
    very_long = " ".join(["word"] * 40) + "."
    assert leading_sentences((very_long, "Next."), 30) == (very_long,)  # never cut, even when long
    intro = answer_from(ARTICLE, "zzz", {})
    assert intro.summary == "Your new card arrives inactive. Activating it takes a minute."
    assert intro.spoken_steps == ()
