"""Incremental build: re-embed only articles whose content hash changed, reuse every other vector."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge_index.articles import Article, SourceFile, content_hash, parse_article, read_sources
from knowledge_index.chunking import TEXT_FORMAT, Chunk, ChunkingParams, chunk_article, embedding_text
from knowledge_index.customer_questions import configured_questions
from knowledge_index.embedder import Embedder, load_minilm
from knowledge_index.store import (
    Fingerprint,
    IndexCorruptError,
    IndexNotBuiltError,
    StoredArticle,
    StoredIndex,
    build_lock,
    flat_index,
    read_index,
    stored_vectors,
    write_index,
)
from tandem.config import Settings, settings

EMBED_BATCH = 64
Row = tuple[Chunk, np.ndarray]


@dataclass(frozen=True, slots=True)
class BuildPlan:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True, slots=True)
class BuildReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    chunks_embedded: int
    chunks_total: int
    # Why no stored vector could be reused (corrupt index, other model or chunking); None if reused.
    full_rebuild_reason: str | None
    written: bool

    @classmethod
    def of(
        cls, plan: BuildPlan, chunks_embedded: int, chunks_total: int, reason: str | None, written: bool
    ) -> BuildReport:
        return cls(
            plan.added,
            plan.updated,
            plan.removed,
            plan.unchanged,
            chunks_embedded,
            chunks_total,
            reason,
            written,
        )

    def __str__(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}; {self.chunks_embedded} of {self.chunks_total} chunks embedded"
        )

    def lines(self) -> list[str]:
        lines = [
            f"added     {len(self.added):3d}  {' '.join(self.added)}".rstrip(),
            f"updated   {len(self.updated):3d}  {' '.join(self.updated)}".rstrip(),
            f"removed   {len(self.removed):3d}  {' '.join(self.removed)}".rstrip(),
            f"unchanged {len(self.unchanged):3d}",
            f"chunks: {self.chunks_embedded} embedded, {self.chunks_total} in the index",
        ]
        if self.full_rebuild_reason:
            lines.append(f"full rebuild: {self.full_rebuild_reason}")
        if not self.written:
            lines.append("nothing changed; index left as it was")
        return lines


def plan_build(previous: Mapping[str, str], current: Mapping[str, str]) -> BuildPlan:
    """Compare slug -> content hash maps of the stored index and of the articles folder."""
    return BuildPlan(
        added=tuple(sorted(current.keys() - previous.keys())),
        updated=tuple(sorted(s for s in current.keys() & previous.keys() if current[s] != previous[s])),
        removed=tuple(sorted(previous.keys() - current.keys())),
        unchanged=tuple(sorted(s for s in current.keys() & previous.keys() if current[s] == previous[s])),
    )


def build_index(
    articles_dir: Path,
    index_dir: Path,
    embedder: Embedder | None = None,
    *,
    params: ChunkingParams | None = None,
    customer_questions: Mapping[str, Sequence[str]] | None = None,
    progress: bool = False,
) -> BuildReport:
    """Bring index_dir up to date with articles_dir; `progress` shows a tqdm bar while embedding.
    customer_questions (slug -> labelled questions, knowledge_index.customer_questions) are indexed
    as further sample questions of their article. Without an embedder, the process-wide MiniLM is
    loaded with the configured torch threads."""
    embedder = embedder or load_minilm(settings().threads.torch)
    params = params or ChunkingParams()
    extra = customer_questions or {}
    files = read_sources(articles_dir)
    unknown = sorted(extra.keys() - {source.slug for source in files})
    if unknown:
        raise ValueError(f"customer questions name articles that do not exist: {', '.join(unknown)}")
    # Parse everything, not only changed files, so a broken article fails the build before any work.
    sources, articles = _with_questions(files, extra)
    fingerprint = Fingerprint(
        model=embedder.name,
        dim=embedder.dim,
        max_words=params.max_words,
        overlap_words=params.overlap_words,
        text_format=TEXT_FORMAT,
    )
    with build_lock(index_dir):
        previous, reason = _reusable_index(index_dir, fingerprint)
        old_hashes = {article.slug: article.content_hash for article in previous.articles} if previous else {}
        plan = plan_build(old_hashes, {source.slug: source.content_hash for source in sources})
        if previous is not None and not plan.changed:
            return BuildReport.of(plan, 0, len(previous.chunks), reason, written=False)

        fresh = [
            chunk for slug in (*plan.added, *plan.updated) for chunk in chunk_article(articles[slug], params)
        ]
        kept = _kept_rows(previous, set(plan.unchanged)) if previous else []
        rows = order_rows(
            [*zip(fresh, _embed(embedder, fresh, progress), strict=True), *kept], articles.keys()
        )
        write_index(
            index_dir,
            StoredIndex(
                fingerprint=fingerprint,
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                articles=tuple(
                    StoredArticle(source.slug, articles[source.slug].title, source.content_hash)
                    for source in sources
                ),
                chunks=tuple(chunk for chunk, _ in rows),
                faiss_index=flat_index(np.array([vector for _, vector in rows]).reshape(-1, embedder.dim)),
            ),
        )
    return BuildReport.of(plan, len(fresh), len(rows), reason, written=True)


def _with_questions(
    sources: Sequence[SourceFile], extra: Mapping[str, Sequence[str]]
) -> tuple[list[SourceFile], dict[str, Article]]:
    """Articles with their customer questions appended; an article's hash covers both, so changing
    either re-embeds that article alone."""
    combined, articles = [], {}
    for source in sources:
        questions = tuple(extra.get(source.slug, ()))
        article = parse_article(source.slug, source.text)
        articles[source.slug] = replace(article, customer_questions=questions)
        digest = content_hash(source.content_hash + "\n" + "\n".join(questions)) if questions else None
        combined.append(replace(source, content_hash=digest) if digest else source)
    return combined, articles


def order_rows(rows: Sequence[Row], slugs: Iterable[str]) -> list[Row]:
    """Rows grouped by article in slug order, each article's chunks in their own order; rows of
    articles not in slugs (deleted ones) are dropped. Deterministic, so equal inputs give equal files."""
    by_article: dict[str, list[Row]] = {}
    for row in rows:
        by_article.setdefault(row[0].article, []).append(row)
    return [row for slug in slugs for row in by_article.get(slug, [])]


def _kept_rows(previous: StoredIndex, unchanged: set[str]) -> list[Row]:
    return [
        (chunk, vector)
        for chunk, vector in zip(previous.chunks, stored_vectors(previous), strict=True)
        if chunk.article in unchanged
    ]


def _reusable_index(index_dir: Path, fingerprint: Fingerprint) -> tuple[StoredIndex | None, str | None]:
    try:
        stored = read_index(index_dir)
    except IndexNotBuiltError:
        return None, None
    except IndexCorruptError as exc:
        return None, f"the stored index was unreadable ({exc.__cause__})"
    if stored.fingerprint != fingerprint:
        return None, f"stored index was built with {stored.fingerprint}, now {fingerprint}"
    return stored, None


def _embed(embedder: Embedder, chunks: Sequence[Chunk], progress: bool) -> np.ndarray:
    texts = [embedding_text(chunk) for chunk in chunks]
    parts = []
    with tqdm(total=len(texts), unit="chunk", desc="embedding", disable=not progress) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = embedder.embed(texts[start : start + EMBED_BATCH])
            if batch.shape != (len(texts[start : start + EMBED_BATCH]), embedder.dim):
                raise RuntimeError(f"{embedder.name} returned shape {batch.shape} for a batch")
            parts.append(batch)
            bar.update(len(batch))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def build_configured(cfg: Settings, *, progress: bool = False) -> BuildReport:
    """The index config.yml describes: its articles and its labelled customer questions."""
    articles_dir = cfg.resolve(cfg.knowledge.articles_dir)
    slugs = [source.slug for source in read_sources(articles_dir)]
    return build_index(
        articles_dir,
        cfg.resolve(cfg.knowledge.index_dir),
        customer_questions=configured_questions(cfg, slugs),
        progress=progress,
    )
