"""Premise retrieval timings, side by side in one run, on a saved index.

(a) loading: `PremiseRetriever.load` (corpus, bm25s arrays, faiss index; the model loads on
    the first dense query) against rebuilding only the BM25 part from the corpus, and
    against embedding a sample of the corpus (what a rebuild of the dense part costs,
    extrapolated to the whole corpus).
(b) querying: per-query time of each method on root goals of the split, restricted to each
    theorem's accessible premises as `prover retrieval-eval` does, and faiss's exact search
    against the same inner products in numpy.

The machines are shared and noisy: read the ratios, not the absolute times.

    .venv/bin/python bench/retrieval.py --index /root/data/retrieval/coq-stdlib --data /root/data/coq-stdlib
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from prover.data.premises import PremiseIndex
from prover.retrieval import METHODS, PremiseRetriever, premise_text
from prover.retrieval.bm25 import Bm25Index
from prover.retrieval.dense import DenseIndex, Encoder
from prover.retrieval.evaluate import cases_from_extraction


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="the extraction the index was built from")
    parser.add_argument("--split", default="valid")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--sample", type=int, default=640, help="premises embedded to extrapolate a rebuild")
    options = parser.parse_args()

    encoder = Encoder()
    load = _seconds(lambda: PremiseRetriever.load(options.index, encoder=encoder))
    model = _seconds(lambda: encoder.model)
    retriever = PremiseRetriever.load(options.index, encoder=encoder)
    texts = [premise_text(p) for p in retriever.premises]
    bm25 = _seconds(lambda: Bm25Index.build(texts))
    step = max(1, len(texts) // options.sample)
    sample = texts[::step][: options.sample]
    embed = _seconds(lambda: encoder.encode(sample)) * len(texts) / len(sample)
    print(f"(a) load index {load:.2f} s + model {model:.2f} s | rebuild BM25 {bm25:.1f} s "
          f"({bm25 / load:.0f}x load) | re-embed {len(texts)} premises ~{embed:.0f} s ({embed / load:.0f}x load)")

    cases = cases_from_extraction(options.data, options.split, options.queries)
    index = PremiseIndex(retriever.premises)
    masks = [retriever.allowed(index.accessible(c.requires, c.position.module, c.position.line)) for c in cases]
    for method in METHODS:
        times = [_seconds(lambda c=c, m=m, method=method: retriever.rank(c.query, 10, m, method, position=c.position))
                 for c, m in zip(cases, masks, strict=True)]
        print(f"(b) {method:6}: median {statistics.median(times) * 1000:.1f} ms per query "
              f"(query embedding included) over {len(cases)} theorems")
    vectors = retriever.encode([c.query for c in cases])
    dense = DenseIndex.load(options.index / "dense.faiss", len(texts), vectors.shape[1])
    stored = dense.vectors()
    with_faiss = statistics.median(_seconds(lambda v=v: dense.search(v, 10)) for v in vectors)
    with_numpy = statistics.median(_seconds(lambda v=v: np.argsort(-(stored @ v))[:10]) for v in vectors)
    print(f"(b) exact top-10 over {dense.size} vectors: faiss {with_faiss * 1000:.2f} ms, "
          f"numpy matmul+argsort {with_numpy * 1000:.2f} ms ({with_numpy / with_faiss:.1f}x)")


if __name__ == "__main__":
    main()
