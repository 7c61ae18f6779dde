"""The MiniLM vectors of the inbox's messages and the knowledge gaps' questions, kept between loads:
embedding the up to 1000 messages the inbox groups took 3.4 s a load on 2 shared cores
(benchmarks/inbox_load.py), while only the messages new since the last load need it.
Keyed by the text: an offered message's text never changes (only masked ones do, and they are never offered).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from knowledge_index.embedder import Embedder

# A few pages' worth (LIMIT in inbox_store.py and gaps_store.py); 384 floats each, so about 7 MB.
SIZE = 5000


class VectorCache:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # loads run in worker threads, maybe two at once

    def embed(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, in order; only the texts not seen lately go through the model."""
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        known |= dict(zip(missing, embedder.embed(missing), strict=True)) if missing else {}
        found = [known[t] for t in texts]
        with self._lock:
            for text, vector in zip(texts, found, strict=True):
                self._vectors[text] = vector
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return np.stack(found) if found else np.zeros((0, embedder.dim), dtype=np.float32)
