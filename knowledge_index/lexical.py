"""BM25 over the chunk texts (bm25s, English stop words, Snowball stems), built in memory at load.

A few hundred chunks index in milliseconds, so nothing is stored: the lexical side can never go
stale against the FAISS vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer


class LexicalIndex:
    def __init__(self, texts: Sequence[str]) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(self._tokens(texts, as_ids=True), show_progress=False)

    def _tokens(self, texts: Sequence[str], *, as_ids: bool) -> bm25s.tokenization.Tokenized:
        return bm25s.tokenize(
            list(texts), stopwords="en", stemmer=self._stemmer, return_ids=as_ids, show_progress=False
        )

    def scores(self, query: str) -> np.ndarray:
        """One BM25 score per text, in index order; all zero when no query word is in the texts."""
        words = self._tokens([query], as_ids=False)[0]
        if not self._size or not words:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)
