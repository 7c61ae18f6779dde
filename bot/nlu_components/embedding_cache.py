"""MiniLM sentence vectors kept on disk from one training to the next.

A designer's labels add a handful of examples, yet every training embedded all of them again: on
BANKING77-size data MiniLM's pass is most of a training (benchmarks/RESULTS.md), and Rasa's own cache
reruns a component whole as soon as its input changes. Vectors are keyed by the encoder (its model and
tokenizer files and max_length) and the sentence's SHA-256: the cache holds no sentence. It lives in
Rasa's cache directory, so whoever gives a training a cache of its own gives it this one too.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Dict, List

import numpy as np
from rasa.engine.caching import CACHE_LOCATION_ENV, DEFAULT_CACHE_LOCATION

from bot.nlu_components.sentence_encoder import EMBEDDING_DIM

FILE_NAME = "tandem-minilm-vectors.sqlite"


def cache_path() -> Path:
    return Path(os.environ.get(CACHE_LOCATION_ENV, DEFAULT_CACHE_LOCATION)) / FILE_NAME


def encoder_key(model_path: Path, tokenizer_path: Path, max_length: int) -> str:
    digest = hashlib.sha256(str(max_length).encode())
    for path in (model_path, tokenizer_path):
        digest.update(path.read_bytes())
    return digest.hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, encoder: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._encoder = encoder

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._encoder}\0{text}".encode()).hexdigest()

    def found(self, texts: List[str]) -> Dict[str, np.ndarray]:
        """The cached vector of each text the cache holds."""
        by_key = {self._key(text): text for text in texts}
        keys = list(by_key)
        found: Dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound parameters per statement
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            for key, blob in rows:
                found[by_key[key]] = np.frombuffer(blob, dtype=np.float32, count=EMBEDDING_DIM)
        return found

    def keep(self, texts: List[str], vectors: np.ndarray) -> None:
        rows = [(self._key(t), v.astype(np.float32).tobytes()) for t, v in zip(texts, vectors, strict=True)]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()
