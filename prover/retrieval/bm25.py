"""Sparse retrieval: BM25 (the `bm25s` library) over the Coq-aware words of `text.tokenize`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from prover.errors import ConfigError
from prover.retrieval.text import tokenize

__all__ = ["Bm25Index"]


class Bm25Index:
    """BM25 scores of every document of a fixed corpus for a query."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size
        """How many documents it indexes."""

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25Index:
        """Index `texts` (Lucene's BM25 variant, bm25s defaults k1=1.5, b=0.75)."""
        model = bm25s.BM25()
        model.index([tokenize(text) for text in texts], show_progress=False)
        return cls(model, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """One score per document (0 where no query word occurs)."""
        return np.asarray(self._model.get_scores(tokenize(query)), dtype=np.float32)

    def save(self, directory: str | os.PathLike[str]) -> None:
        self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: str | os.PathLike[str], size: int) -> Bm25Index:
        """The index saved in `directory`; ConfigError when it is absent, broken or not of
        `size` documents."""
        path = Path(directory)
        if not (path / "params.index.json").is_file():
            raise ConfigError(f"{path} holds no BM25 index: rebuild it with `prover retrieval-build`")
        try:
            model = bm25s.BM25.load(str(path), show_progress=False)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: unreadable BM25 index ({exc}); rebuild it with `prover retrieval-build`") from exc
        indexed = int(model.scores["num_docs"])
        if indexed != size:
            raise ConfigError(f"{path}: BM25 index of {indexed} documents for a corpus of {size}; "
                              "rebuild it with `prover retrieval-build`")
        return cls(model, size)
