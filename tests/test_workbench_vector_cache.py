"""The inbox's vectors kept between loads: a text goes through the model once, order is kept, and the
least recently used go first when the cache is full."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.vector_cache import VectorCache


class CountingEmbedder:
    """A stand-in for MiniLM that says which texts it was asked for (the real one takes 3 s a load)."""

    name = "counting"
    dim = 2

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_each_text_is_embedded_once_while_it_is_kept() -> None:
    model, cache = CountingEmbedder(), VectorCache(size=3)
    first = cache.embed(model, ["a", "bb", "a"])
    assert first.tolist() == [[1, 1], [2, 1], [1, 1]] and model.asked == [["a", "bb"]]
    assert cache.embed(model, ["bb", "ccc"]).tolist() == [[2, 1], [3, 1]]
    assert model.asked[-1] == ["ccc"]
    cache.embed(model, ["dddd"])  # full: "a", used longest ago, goes
    cache.embed(model, ["a", "bb"])
    assert model.asked[-2:] == [["dddd"], ["a"]]
    assert cache.embed(model, []).shape == (0, 2)
