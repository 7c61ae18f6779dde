"""Help-centre article files written from the knowledge gaps: a new article drafted from a template, and a
customer's question added to an existing article's sample questions.

A draft carries `draft: true` in its front matter: the index build leaves it out and /help does not
serve it (knowledge_index/articles.py), until a designer writes its answer and deletes that line.
Sample questions are added by editing the front matter's lines in place: a YAML round trip would
reflow the file and drop its comments, and `git diff` should show one added line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge_index.articles import ARTICLE_SUFFIX, parse_article
from tandem.files import replace_text

SLUG_WORDS = 6
QUESTIONS_KEY = "questions:"
ITEM = re.compile(r"^(\s*)- ")


@dataclass(frozen=True, slots=True)
class Added:
    file: Path
    added: bool  # False: the article already had that question


def slug_for(title: str, taken: set[str]) -> str:
    """Lower-case words of the title joined by hyphens, unique among `taken`."""
    words = re.findall(r"[a-z0-9]+", title.lower())[:SLUG_WORDS] or ["article"]
    base = "-".join(words)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def draft_text(title: str, questions: list[str]) -> str:
    """A new article in the help centre's format, marked a draft, for a designer to finish."""
    front = yaml.safe_dump(
        {"title": title, "draft": True, "tags": [], "questions": questions},
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
    )
    return (
        "---\n"
        "# A draft from the knowledge gaps: not indexed and not shown to customers. Write the answer,\n"
        "# then delete the 'draft: true' line and rebuild the index (make index).\n"
        f"{front}---\n"
        f"# {title}\n\n"
        "One or two sentences that answer the question directly.\n\n"
        "## What to do\n"
        "- the first step\n"
        "- the next step\n"
    )


def write_draft(articles_dir: Path, title: str, questions: list[str]) -> Path:
    taken = {path.stem for path in articles_dir.glob(f"*{ARTICLE_SUFFIX}")}
    path = articles_dir / f"{slug_for(title, taken)}{ARTICLE_SUFFIX}"
    text = draft_text(title, questions)
    parse_article(path.stem, text)  # the template itself must always be a valid article
    with path.open("x", encoding="utf-8") as handle:  # never overwrite one written meanwhile
        handle.write(text)
    return path


def with_question(slug: str, text: str, question: str) -> str | None:
    """The article's text with `question` appended to its sample questions, or None if it has it
    already (case and spacing aside). Raises ArticleError if the article cannot be parsed."""
    before = parse_article(slug, text).questions
    if _key(question) in {_key(q) for q in before}:
        return None
    lines = text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    key = next((i for i in range(1, end) if lines[i].startswith(QUESTIONS_KEY)), None)
    item = _item(question)
    if key is None:
        lines[end:end] = [f"{QUESTIONS_KEY}\n", f"  {item}"]
    elif lines[key].strip() in (QUESTIONS_KEY, f"{QUESTIONS_KEY} []"):
        last, indent = key, "  "
        for row in range(key + 1, end):
            match = ITEM.match(lines[row])
            if match:
                last, indent = row, match.group(1)
            elif lines[row].strip() and not lines[row].startswith((" ", "#")):
                break
        lines[key] = f"{QUESTIONS_KEY}\n"
        lines.insert(last + 1, f"{indent}{item}")
    else:
        raise ValueError(f"{slug}: its questions are not a block list; add the question by hand")
    updated = "".join(lines)
    if parse_article(slug, updated).questions != (*before, question):
        raise ValueError(f"{slug}: the edit did not read back as intended; add the question by hand")
    return updated


def add_question(articles_dir: Path, slug: str, question: str) -> Added:
    path = articles_dir / f"{slug}{ARTICLE_SUFFIX}"
    updated = with_question(slug, path.read_text(encoding="utf-8"), question)
    if updated is not None:
        replace_text(path, updated)  # atomic: the index build never reads half a file
    return Added(path, updated is not None)


def _item(question: str) -> str:
    """One YAML list item, quoted only where YAML needs it (a colon, a leading quote)."""
    return yaml.safe_dump([question], allow_unicode=True, width=1_000_000)


def _key(question: str) -> str:
    return " ".join(question.casefold().split())
