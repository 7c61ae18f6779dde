"""Answers, not snippets: the section of an article that answers a question, in whole sentences.

Pure functions over parsed articles. The search finds the article (and its best chunk); this picks
the section of that article that matches the question best and returns it whole: the prose as
sentences, the list items as steps. Nothing is ever cut mid-sentence.
"""

from __future__ import annotations

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
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“‘(£])")
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
# Words that score a heading: the heading names what the section is about, so it weighs more.
HEADING_WEIGHT = 2.0
# Weight of the shared-words score against cosine similarity: MiniLM scores a topic's sections
# within a few hundredths of each other, and a heading naming the question's words should win then.
LEXICAL_WEIGHT = 0.1


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
        """For the phone: the leading sentences up to about SPOKEN_WORDS words, in plain text; for a
        section that opens with its list, what the list is."""
        sentences = leading_sentences(self.lead, SPOKEN_WORDS)
        if sentences:
            return " ".join(plain(sentence) for sentence in sentences)
        if not self.steps:
            return " ".join(plain(s) for s in leading_sentences(self.after, SPOKEN_WORDS))
        noun = "step" if self.numbered else "point"
        count = f"is one {noun}" if len(self.steps) == 1 else f"are {len(self.steps)} {noun}s"
        return f"{self.section or self.title}: there {count}."

    @property
    def spoken_steps(self) -> tuple[str, ...]:
        """What the phone reads one at a time after "yes": the list items, or else the prose the
        summary left out."""
        if self.steps:
            return tuple(plain(step) for step in self.steps)
        prose = self.lead + self.after
        return tuple(plain(sentence) for sentence in prose[len(leading_sentences(prose, SPOKEN_WORDS)) :])


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


def section_score(query_terms: frozenset[str], section: Section) -> float:
    """Share of the question's terms found in the section, heading words weighted higher."""
    if not query_terms:
        return 0.0
    in_heading = len(query_terms & terms(section.heading))
    in_body = len(query_terms & terms(section.body))
    return (HEADING_WEIGHT * in_heading + in_body) / len(query_terms)


def best_section(article: Article, query: str, dense_scores: Mapping[str, float]) -> Section:
    """The section that answers the question: the embedding similarity of each section (from the
    index), nudged by shared words, which separate sections the embeddings score almost alike."""
    if not article.sections:
        raise ValueError(f"article {article.slug} has no sections")
    query_terms = terms(query)
    floor = min(dense_scores.values(), default=0.0)

    def score(section: Section) -> float:
        lexical = section_score(query_terms, section)
        return dense_scores.get(section.heading, floor) + LEXICAL_WEIGHT * lexical

    return max(article.sections, key=score)  # max keeps the first of equals: article order


def answer_from(article: Article, query: str, dense_scores: Mapping[str, float]) -> Answer:
    section = best_section(article, query, dense_scores)
    parts = split_section(section.body)
    return Answer(
        article.slug, article.title, section.heading, parts.lead, parts.steps, parts.after, parts.numbered
    )
