"""The index on disk: a FAISS inner-product index plus JSON metadata, swapped in atomically.

Layout of index_dir:
    CURRENT            name of the live generation, replaced with os.replace (atomic)
    gen-<id>/          index.faiss + meta.json of one complete build, never modified once named
    .tmp-<random>/     a build in progress; renamed to gen-<id> only when both files are on disk

A crash at any point leaves CURRENT naming a complete generation (or no CURRENT at all on the very
first build), so readers never see half an index. The previous generation is kept so a reader that
resolved CURRENT just before a swap can still open its files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from knowledge_index.chunking import Chunk

FORMAT_VERSION = 1
BUILD_COMMAND = "python -m knowledge_index build"
CURRENT_FILE = "CURRENT"
INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
LOCK_FILE = ".build.lock"
GENERATION_PREFIX = "gen-"
TEMP_PREFIX = ".tmp-"


class IndexUnavailableError(RuntimeError):
    """The index cannot be used; the message says how to build it."""


class IndexNotBuiltError(IndexUnavailableError):
    pass


class IndexCorruptError(IndexUnavailableError):
    pass


class BuildInProgressError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Everything that changes the vectors; a mismatch means no stored vector can be reused."""

    model: str
    dim: int
    max_words: int
    overlap_words: int
    text_format: int


@dataclass(frozen=True, slots=True)
class StoredArticle:
    slug: str
    title: str
    content_hash: str


@dataclass(frozen=True)
class StoredIndex:
    fingerprint: Fingerprint
    built_at: str
    articles: tuple[StoredArticle, ...]
    chunks: tuple[Chunk, ...]  # chunks[i] is row i of faiss_index
    faiss_index: faiss.IndexFlatIP


def flat_index(vectors: np.ndarray) -> faiss.IndexFlatIP:
    """Exact inner product; on L2-normalised rows that is cosine similarity. Fast enough below ~100k."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def stored_vectors(stored: StoredIndex) -> np.ndarray:
    return stored.faiss_index.reconstruct_n(0, stored.faiss_index.ntotal)


def read_index(index_dir: Path) -> StoredIndex:
    current = index_dir / CURRENT_FILE
    if not current.is_file():
        raise IndexNotBuiltError(
            f"No knowledge index in {index_dir}. Build it with `{BUILD_COMMAND}` (from the repository root)."
        )
    try:
        return _read_generation(index_dir / current.read_text(encoding="utf-8").strip())
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        # faiss raises RuntimeError on a truncated file; json and the checks below raise ValueError.
        raise IndexCorruptError(
            f"The knowledge index in {index_dir} is unreadable ({type(exc).__name__}: {exc}). "
            f"Rebuild it with `{BUILD_COMMAND}`."
        ) from exc


def _read_generation(generation: Path) -> StoredIndex:
    meta = json.loads((generation / META_FILE).read_text(encoding="utf-8"))
    if meta["format"] != FORMAT_VERSION:
        raise ValueError(f"format {meta['format']}, this code reads format {FORMAT_VERSION}")
    index_path = generation / INDEX_FILE
    if _sha256(index_path) != meta["faiss_sha256"]:
        raise ValueError(f"{INDEX_FILE} does not match the checksum in {META_FILE}")
    fingerprint = Fingerprint(**meta["fingerprint"])
    chunks = tuple(Chunk(**chunk) for chunk in meta["chunks"])
    index = faiss.read_index(str(index_path))
    if index.ntotal != len(chunks) or index.d != fingerprint.dim:
        raise ValueError(f"{index.ntotal} vectors of dim {index.d} for {len(chunks)} chunks")
    return StoredIndex(
        fingerprint=fingerprint,
        built_at=meta["built_at"],
        articles=tuple(StoredArticle(**article) for article in meta["articles"]),
        chunks=chunks,
        faiss_index=index,
    )


def write_index(index_dir: Path, stored: StoredIndex) -> Path:
    """Write a new generation and make it current; returns the generation folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    previous = _current_name(index_dir)
    temp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=index_dir))
    try:
        # mkdtemp makes the folder private; the gateway may run as another user than the build.
        temp.chmod(0o755)
        index_path = temp / INDEX_FILE
        faiss.write_index(stored.faiss_index, str(index_path))
        _fsync_file(index_path)
        meta = {
            "format": FORMAT_VERSION,
            "built_at": stored.built_at,
            "fingerprint": asdict(stored.fingerprint),
            "faiss_sha256": _sha256(index_path),
            "articles": [asdict(article) for article in stored.articles],
            "chunks": [asdict(chunk) for chunk in stored.chunks],
        }
        (temp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_file(temp / META_FILE)
        name = f"{GENERATION_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        generation = index_dir / name
        temp.rename(generation)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _replace_text(index_dir / CURRENT_FILE, name + "\n")
    _fsync_dir(index_dir)
    _remove_stale(index_dir, keep={name, previous})
    return generation


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index_dir: a second one would delete the first one's temp folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgressError(f"another build of {index_dir} is running") from None
        yield


def _current_name(index_dir: Path) -> str | None:
    current = index_dir / CURRENT_FILE
    return current.read_text(encoding="utf-8").strip() if current.is_file() else None


def _remove_stale(index_dir: Path, keep: set[str | None]) -> None:
    for path in index_dir.iterdir():
        stale = path.name.startswith((GENERATION_PREFIX, TEMP_PREFIX)) and path.name not in keep
        if stale and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _replace_text(path: Path, text: str) -> None:
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}")
    temp.write_text(text, encoding="utf-8")
    _fsync_file(temp)
    os.replace(temp, path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
