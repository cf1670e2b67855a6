"""Fusing rankings: weighted reciprocal-rank fusion (RRF).

RRF needs only ranks, so BM25's unbounded scores and cosine similarities never have to be
put on one scale: a document scores ``sum(weight / (constant + rank))`` over the rankings
that list it (ranks from 1; a ranking that does not list it adds nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_FUSION", "Fusion", "fuse"]


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the hybrid combines BM25 and dense rankings."""

    bm25_weight: float = 0.5
    """Weight of the BM25 ranking; the dense ranking gets ``1 - bm25_weight``."""
    constant: float = 60.0
    """RRF's damping constant: larger flattens the advantage of the very top ranks."""
    depth: int = 1000
    """How many documents of each ranking take part."""

    def combine(self, bm25: np.ndarray, dense: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The fused top `k` of a BM25 and a dense ranking (document ids, best first), each
        cut to its first ``max(k, depth)``."""
        cut = max(k, self.depth)
        return fuse([(bm25[:cut], self.bm25_weight), (dense[:cut], 1.0 - self.bm25_weight)], self.constant, k)


DEFAULT_FUSION = Fusion()


def fuse(rankings: Sequence[tuple[np.ndarray, float]], constant: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, fused scores) of the `k` best documents over `rankings`, each a pair
    (document ids best first, weight). Ties keep the order of first appearance."""
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        if weight == 0:
            continue
        for rank, doc in enumerate(ids.tolist(), 1):
            scores[doc] = scores.get(doc, 0.0) + weight / (constant + rank)
    best = sorted(scores.items(), key=lambda item: -item[1])[:k]
    return (np.fromiter((doc for doc, _ in best), dtype=np.int64, count=len(best)),
            np.fromiter((score for _, score in best), dtype=np.float64, count=len(best)))
