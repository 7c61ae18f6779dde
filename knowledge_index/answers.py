"""Answers, not snippets: the section of an article that answers a question, in whole sentences.

Pure functions over parsed articles. The search finds the article (and its best chunk); this picks
the section of that article that matches the question best and returns it whole: the prose as
sentences, the list items as steps. Nothing is ever cut mid-sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from knowledge_index.articles import Article, Section

# The phone reads at most this many words before offering the steps (whole sentences only).
SPOKEN_WORDS = 30
# Chat shows at most this many sentences of prose before the steps: a section is a few paragraphs.
CHAT_SENTENCES = 4

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
# A sentence ends at . ! ? (optionally closed by a quote or bracket) followed by space and a capital,
# digit or opening quote; "e.g. a" or "£1.50" are not sentence ends.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[A-Z0-9\"“‘(£])")
_WORD = re.compile(r"[a-z0-9]+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "the",
        "there",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)
# Weight of the heading's shared words against cosine similarity: MiniLM scores a topic's sections
# within a few hundredths of each other, and a heading naming the question's words should win then.
HEADING_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class Answer:
    slug: str
    title: str
    section: str  # "##" heading; "" for the article's introduction
    lead: tuple[str, ...]  # sentences before the list, Markdown kept (bold, links)
    steps: tuple[str, ...]  # list items in order, Markdown kept
    after: tuple[str, ...]  # sentences after the list
    numbered: bool  # the list is numbered (steps) rather than bulleted

    @property
    def markdown(self) -> str:
        """For chat: the section in order, in whole sentences; single line breaks only (a blank line
        would split the message in Rasa's REST channel)."""
        lines = [" ".join(self.lead[:CHAT_SENTENCES])] if self.lead else []
        lines += [
            f"{n}. {step}" if self.numbered else f"- {step}" for n, step in enumerate(self.steps, start=1)
        ]
        if self.after:
            lines.append(" ".join(self.after[: max(1, CHAT_SENTENCES - len(self.lead))]))
        return "\n".join(lines)

    @property
    def summary(self) -> str:
        """For the phone: whole sentences, about SPOKEN_WORDS words at most, in plain text."""
        return spoken_parts(self)[0]

    @property
    def spoken_steps(self) -> tuple[str, ...]:
        """What the phone reads one at a time after "yes" (empty: nothing to offer)."""
        return spoken_parts(self)[1]


def spoken_parts(answer: Answer) -> tuple[str, tuple[str, ...]]:
    """(summary, steps to offer). The summary is the leading sentences; a sentence introducing the
    list ("Our larger branches are also open:") takes the list along when it fits, and a section that
    opens with its list is summed up by its heading and the number of steps."""
    items = tuple(plain(step) for step in answer.steps)
    noun = "step" if answer.numbered else "point"
    count = f"There is one {noun}." if len(items) == 1 else f"There are {len(items)} {noun}s."
    lead = leading_sentences(answer.lead, SPOKEN_WORDS)
    said = " ".join(plain(sentence) for sentence in lead)
    if items and lead == answer.lead and said.endswith(":"):
        whole = f"{said} {'; '.join(item.rstrip('.;') for item in items)}."
        if len(whole.split()) <= SPOKEN_WORDS:
            return whole, ()
        return f"{said[:-1]}. {count}", items
    if lead and items:
        return said, items
    if lead:
        prose = answer.lead + answer.after
        return said, tuple(plain(sentence) for sentence in prose[len(lead) :])
    if items:
        return f"{answer.section or answer.title}: {count[0].lower()}{count[1:]}", items
    after = leading_sentences(answer.after, SPOKEN_WORDS)
    return " ".join(plain(sentence) for sentence in after), tuple(
        plain(s) for s in answer.after[len(after) :]
    )


def leading_sentences(sentences: tuple[str, ...], max_words: int) -> tuple[str, ...]:
    """The leading sentences that fit in max_words words; the first one always (never cut)."""
    chosen: list[str] = []
    words = 0
    for sentence in sentences:
        count = len(plain(sentence).split())
        if chosen and words + count > max_words:
            break
        chosen.append(sentence)
        words += count
    return tuple(chosen)


def plain(markdown: str) -> str:
    """Markdown emphasis, code marks and link targets removed: text to read or speak."""
    text = _MARKDOWN_LINK.sub(r"\1", markdown)
    previous = None
    while previous != text:
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


def split_sentences(paragraph: str) -> list[str]:
    flat = " ".join(paragraph.split())
    return [sentence for sentence in _SENTENCE_END.split(flat) if sentence] if flat else []


@dataclass(frozen=True, slots=True)
class SectionParts:
    lead: tuple[str, ...]
    steps: tuple[str, ...]
    after: tuple[str, ...]
    numbered: bool


def split_section(body: str) -> SectionParts:
    """A section's Markdown -> the sentences before its first list, the list's items (a wrapped
    continuation line joins its item; later lists join too) and the sentences after."""
    lead: list[str] = []
    after: list[str] = []
    steps: list[str] = []
    numbered = False
    paragraph: list[str] = []
    in_item = False

    def end_paragraph() -> None:
        (after if steps else lead).extend(split_sentences(" ".join(paragraph)))
        paragraph.clear()

    for line in body.splitlines():
        item = _LIST_ITEM.match(line)
        if item:
            end_paragraph()
            numbered = numbered or (not steps and line.strip()[0].isdigit())
            steps.append(item.group(1).strip())
            in_item = True
        elif not line.strip():
            end_paragraph()
            in_item = False
        elif in_item and line.startswith((" ", "\t")):
            steps[-1] = f"{steps[-1]} {line.strip()}"
        else:
            in_item = False
            paragraph.append(line.strip())
    end_paragraph()
    return SectionParts(tuple(lead), tuple(steps), tuple(after), numbered)


def stem(word: str) -> str:
    """A crude suffix strip, enough to match "activate" with "activating" and "activation"."""
    for suffix in ("ation", "ating", "ated", "ates", "ate", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in _WORD.findall(plain(text).lower()) if w not in _STOPWORDS)


def heading_score(query_terms: frozenset[str], section: Section, weights: Mapping[str, float]) -> float:
    """The question's terms in the section's heading, each weighted by how few sections share it
    ("card" is all over a card article and decides nothing). The body is left to the embeddings."""
    if not query_terms:
        return 0.0
    return sum(weights.get(term, 0.0) for term in query_terms & terms(section.heading)) / len(query_terms)


def term_weights(sections: tuple[Section, ...]) -> dict[str, float]:
    """Inverse section frequency: log(1 + sections / sections containing the term)."""
    section_terms = [terms(f"{section.heading} {section.body}") for section in sections]
    counts: dict[str, int] = {}
    for found in section_terms:
        for term in found:
            counts[term] = counts.get(term, 0) + 1
    return {term: math.log(1 + len(sections) / count) for term, count in counts.items()}


def best_section(article: Article, query: str, dense_scores: Mapping[str, float]) -> Section:
    """The section that answers the question: the embedding similarity of each section (from the
    index), nudged by the question's words in its heading, which separate sections the embeddings
    score almost alike; the first section when nothing tells them apart."""
    if not article.sections:
        raise ValueError(f"article {article.slug} has no sections")
    query_terms = terms(query)
    weights = term_weights(article.sections)

    def score(section: Section) -> float:
        return dense_scores.get(section.heading, -1.0) + HEADING_WEIGHT * heading_score(
            query_terms, section, weights
        )

    return max(article.sections, key=score)  # max keeps the first of equals: article order


def answer_from(article: Article, query: str, dense_scores: Mapping[str, float]) -> Answer:
    section = best_section(article, query, dense_scores)
    parts = split_section(section.body)
    return Answer(
        article.slug, article.title, section.heading, parts.lead, parts.steps, parts.after, parts.numbered
    )
