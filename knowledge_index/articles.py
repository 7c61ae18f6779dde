"""Help-centre articles: Markdown with YAML front matter (title, tags, questions), an H1 and "##" sections.

An article whose front matter says `draft: true` is not published: the index leaves it out, so the bot
never answers from it, and /help does not serve it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

ARTICLE_SUFFIX = ".md"


class ArticleError(ValueError):
    """An article file that cannot be indexed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Section:
    heading: str  # "" for the text between the H1 and the first "##" heading
    body: str


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    title: str
    tags: tuple[str, ...]
    sections: tuple[Section, ...]
    # Sample questions in a customer's words, indexed beside the text: customers rarely use the
    # article's own vocabulary ("can I use my card in Japan" vs "Using your card abroad").
    questions: tuple[str, ...] = ()
    # Real customers' questions labelled with this article (knowledge_index.customer_questions).
    customer_questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceFile:
    slug: str
    text: str
    content_hash: str


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_article(slug: str, text: str) -> Article:
    """Parse one article; raises ArticleError naming the slug when the format is wrong."""
    meta, body = _split_front_matter(slug, text)
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleError(f"{slug}: front matter needs a non-empty 'title'")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ArticleError(f"{slug}: front matter 'tags' must be a list of strings")
    questions = meta.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise ArticleError(f"{slug}: front matter 'questions' must be a list of non-empty strings")
    return Article(
        slug=slug,
        title=title.strip(),
        tags=tuple(tags),
        sections=_split_sections(body),
        questions=tuple(q.strip() for q in questions),
    )


def is_draft(slug: str, text: str) -> bool:
    """Marked `draft: true`; a file whose front matter is broken is not a draft: the build reports it."""
    try:
        meta, _ = _split_front_matter(slug, text)
    except ArticleError:
        return False
    return meta.get("draft") is True


def _split_front_matter(slug: str, text: str) -> tuple[dict[str, object], str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleError(f"{slug}: must start with a '---' YAML front matter block")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleError(f"{slug}: front matter has no closing '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(f"{slug}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{slug}: front matter must be a YAML mapping")
    return meta, "\n".join(lines[end + 1 :])


def _split_sections(body: str) -> tuple[Section, ...]:
    """Split at "##" headings; the H1 is dropped because the front-matter title already names the page."""
    sections: list[Section] = []
    heading, lines = "", []
    for line in body.splitlines():
        if line.startswith("## "):
            sections.append(Section(heading, "\n".join(lines).strip()))
            heading, lines = line[3:].strip(), []
        elif not line.startswith("# "):
            lines.append(line)
    sections.append(Section(heading, "\n".join(lines).strip()))
    return tuple(section for section in sections if section.body)


def read_sources(articles_dir: Path) -> list[SourceFile]:
    """Every published <slug>.md in the folder (drafts left out), sorted by slug so builds are deterministic."""
    if not articles_dir.is_dir():
        raise ArticleError(f"articles folder {articles_dir} does not exist")
    sources = []
    for path in sorted(articles_dir.glob(f"*{ARTICLE_SUFFIX}")):
        text = path.read_text(encoding="utf-8")
        if is_draft(path.stem, text):
            continue
        sources.append(SourceFile(slug=path.stem, text=text, content_hash=content_hash(text)))
    return sources
