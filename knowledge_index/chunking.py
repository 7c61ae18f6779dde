"""Cut articles into embeddable chunks: one per "##" section, long sections as overlapping windows."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_index.articles import Article

# Bump when embedding_text() or the chunks' fields change so stored indexes are rebuilt.
TEXT_FORMAT = 3


@dataclass(frozen=True, slots=True)
class ChunkingParams:
    # all-MiniLM-L6-v2 was trained on inputs of at most 128 word pieces; 120 words plus the title
    # prefix stays close to that, and longer inputs get truncated at 256 anyway.
    max_words: int = 120
    # Overlap keeps a sentence cut at a window edge whole in at least one window.
    overlap_words: int = 30

    def __post_init__(self) -> None:
        if self.max_words < 1 or not 0 <= self.overlap_words < self.max_words:
            raise ValueError(f"need max_words >= 1 and 0 <= overlap_words < max_words, got {self}")


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str
    article: str
    title: str
    section: str
    text: str
    # A sample question: it ranks its article but is never shown as the answer.
    is_question: bool = False
    # One of the labelled customer questions rather than the article's own front matter.
    from_customers: bool = False


def word_windows(words: list[str], size: int, overlap: int) -> list[list[str]]:
    """Windows of `size` words, each starting `size - overlap` after the previous; the last ends the text."""
    windows, start = [], 0
    while True:
        windows.append(words[start : start + size])
        if start + size >= len(words):
            return windows
        start += size - overlap


def chunk_article(article: Article, params: ChunkingParams) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in article.sections:
        for window in word_windows(section.body.split(), params.max_words, params.overlap_words):
            chunks.append(
                Chunk(
                    id=f"{article.slug}#{len(chunks)}",
                    article=article.slug,
                    title=article.title,
                    section=section.heading,
                    text=" ".join(window),
                )
            )
    for questions, from_customers in ((article.questions, False), (article.customer_questions, True)):
        for question in questions:
            chunks.append(
                Chunk(
                    id=f"{article.slug}#{len(chunks)}",
                    article=article.slug,
                    title=article.title,
                    section="",
                    text=question,
                    is_question=True,
                    from_customers=from_customers,
                )
            )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """The title and heading go in front so a section like "Fees" embeds as fees *of this topic*;
    a sample question embeds alone, as the customer's question it stands for would."""
    if chunk.is_question:
        return chunk.text
    context = f"{chunk.title} — {chunk.section}" if chunk.section else chunk.title
    return f"{context}\n{chunk.text}"
