"""`PremiseRetriever`: the premise corpus indexed for BM25, dense and hybrid retrieval; built
once, saved to a directory, loaded in seconds.

    retriever = PremiseRetriever.build(read_corpus("premises.jsonl"))   # minutes: embeds every premise
    retriever.save("out/retrieval/coq-stdlib")
    retriever = PremiseRetriever.load("/root/data/retrieval/stdlib")    # seconds
    retriever.retrieve(goal_query(state.goals), k=10, accessible=names)

A saved index is a directory: ``premises.jsonl`` (the corpus, in index order), ``bm25/``
(bm25s), ``dense.faiss`` (faiss IndexFlatIP) and ``meta.json`` (format, size, embedding
model, and a digest of the names that ties the three together).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from prover.data.premises import Premise, read_corpus, write_corpus
from prover.errors import ConfigError
from prover.retrieval.bm25 import Bm25Index
from prover.retrieval.dense import MODEL_NAME, DenseIndex, Encoder
from prover.retrieval.hybrid import DEFAULT_FUSION, Fusion, Rankings
from prover.retrieval.signals import NameIndex, NearbyIndex, Position
from prover.retrieval.text import premise_text

__all__ = ["METHODS", "Method", "PremiseRetriever", "RetrievedPremise"]

Method = Literal["bm25", "dense", "hybrid"]
METHODS: tuple[Method, ...] = get_args(Method)
FORMAT = 1
"""Version of the saved layout; `load` refuses any other."""


@dataclass(frozen=True, slots=True)
class RetrievedPremise:
    """A premise proposed for a goal."""

    name: str
    """Fully qualified (``Coq.Arith.PeanoNat.Nat.add_comm``)."""
    score: float
    """Higher is better; comparable only within one method's results."""
    kind: str
    """``theorem``, ``definition``, ``inductive``, ``constructor``, ``axiom`` or ``other``."""
    type: str
    """As Coq prints it, on one line ("" when unknown)."""


def _digest(premises: Sequence[Premise]) -> str:
    return hashlib.sha256("\n".join(p.name for p in premises).encode()).hexdigest()


class PremiseRetriever:
    """Ranks the premises of a corpus for a goal, optionally among an accessible set only."""

    def __init__(self, premises: Sequence[Premise], bm25: Bm25Index, dense: DenseIndex,
                 encoder: Encoder | None = None, fusion: Fusion = DEFAULT_FUSION) -> None:
        if not (len(premises) == bm25.size == dense.size):
            raise ConfigError(f"index sizes differ: {len(premises)} premises, BM25 {bm25.size}, dense {dense.size}")
        self.premises: tuple[Premise, ...] = tuple(premises)
        self.fusion = fusion
        self._bm25 = bm25
        self._dense = dense
        self._encoder = encoder or Encoder()
        self._ids = {p.name: i for i, p in enumerate(self.premises)}
        self._nearby = NearbyIndex(self.premises)
        self._names = NameIndex(self.premises)

    # -- building, saving, loading ---------------------------------------------------------

    @classmethod
    def build(cls, premises: Sequence[Premise], encoder: Encoder | None = None, progress: bool = False,
              fusion: Fusion = DEFAULT_FUSION) -> PremiseRetriever:
        """Index `premises` (duplicate names keep their first record). Embedding is the slow
        part: the standard library's 59,338 premises took 37 minutes on two busy shared CPU
        cores (about 27 a second); a GPU or idle cores do much better."""
        first: dict[str, Premise] = {}
        for premise in premises:
            first.setdefault(premise.name, premise)
        unique = list(first.values())
        if not unique:
            raise ConfigError("the premise corpus is empty: nothing to index")
        texts = [premise_text(p) for p in unique]
        encoder = encoder or Encoder()
        dense = DenseIndex.build(encoder.encode(texts, progress=progress))
        return cls(unique, Bm25Index.build(texts), dense, encoder, fusion)

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the index to `directory` (replacing an index there, atomically)."""
        target = Path(directory)
        if target.exists() and not (target / "meta.json").is_file() and any(target.iterdir()):
            raise ConfigError(f"{target} exists and is no premise index: give an empty or new directory")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        write_corpus(partial / "premises.jsonl", self.premises)
        self._bm25.save(partial / "bm25")
        self._dense.save(partial / "dense.faiss")
        meta = {"format": FORMAT, "premises": len(self.premises), "names_sha256": _digest(self.premises),
                "model": MODEL_NAME, "dimension": self._dense.dimension}
        (partial / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        partial.replace(target)

    @classmethod
    def load(cls, directory: str | os.PathLike[str], encoder: Encoder | None = None,
             fusion: Fusion = DEFAULT_FUSION) -> PremiseRetriever:
        """The index `save` wrote to `directory`; ConfigError, saying how to fix it, when it is
        missing, of another format, or its parts do not belong together."""
        source = Path(directory)
        meta_path = source / "meta.json"
        if not meta_path.is_file():
            raise ConfigError(f"{source} is not a premise index (no meta.json): build one with "
                              "`prover retrieval-build --data EXTRACTION --out DIR`")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            size, dimension, digest = int(meta["premises"]), int(meta["dimension"]), str(meta["names_sha256"])
            version, model = meta["format"], meta["model"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{meta_path}: unreadable ({exc!r}); rebuild with `prover retrieval-build`") from exc
        if version != FORMAT or model != MODEL_NAME:
            raise ConfigError(f"{source}: index format {version} of {model}, this version reads format {FORMAT} "
                              f"of {MODEL_NAME}; rebuild with `prover retrieval-build`")
        premises = read_corpus(source / "premises.jsonl") if (source / "premises.jsonl").is_file() else []
        if len(premises) != size or _digest(premises) != digest:
            raise ConfigError(f"{source}/premises.jsonl does not match meta.json (expected {size} premises); "
                              "rebuild with `prover retrieval-build`")
        bm25 = Bm25Index.load(source / "bm25", size)
        dense = DenseIndex.load(source / "dense.faiss", size, dimension)
        return cls(premises, bm25, dense, encoder, fusion)

    # -- querying ----------------------------------------------------------------------------

    def ready(self) -> None:
        """Load the embedding model now rather than on the first dense or hybrid query
        (seconds: a long-lived worker calls this once at start)."""
        _ = self._encoder.model

    def allowed(self, accessible: AbstractSet[str]) -> np.ndarray:
        """Boolean mask over the corpus: premises named in `accessible` (others it names are
        not in the corpus and are ignored)."""
        mask = np.zeros(len(self.premises), dtype=bool)
        ids = [self._ids[name] for name in accessible if name in self._ids]
        mask[ids] = True
        return mask

    def position(self, name: str) -> int | None:
        """Where premise `name` sits in the corpus (`rank` returns positions), None if absent."""
        return self._ids.get(name)

    def encode(self, queries: Sequence[str]) -> np.ndarray:
        """Query vectors for `rank` (batching many queries is much faster than one by one)."""
        if not all(q.strip() for q in queries):
            raise ConfigError("a query is empty: give the goal's text")
        return self._encoder.encode(queries)

    def retrieve(self, query: str, k: int = 10, accessible: AbstractSet[str] | None = None,
                 method: Method = "hybrid", position: Position | None = None) -> list[RetrievedPremise]:
        """The `k` premises that best match `query` (a goal's text, e.g. `goal_query`), best
        first; with `accessible` (names, e.g. `PremiseIndex.accessible` of the theorem) only
        among those. `position`, the theorem's module and line, lets the hybrid favour the
        lemmas declared just above it."""
        allowed = None if accessible is None else self.allowed(accessible)
        vector = self.encode([query])[0] if method != "bm25" else None
        ids, scores = self.rank(query, k, allowed, method, vector, position)
        return [RetrievedPremise(p.name, float(s), p.kind, p.type)
                for p, s in zip((self.premises[i] for i in ids.tolist()), scores.tolist(), strict=True)]

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None, method: Method = "hybrid",
             vector: np.ndarray | None = None, position: Position | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(corpus positions, scores) of the best `k`: `retrieve` without the records, for
        callers that hold a mask from `allowed` and a vector from `encode`."""
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        if method not in METHODS:
            raise ConfigError(f"unknown retrieval method {method!r}: use one of {', '.join(METHODS)}")
        if not query.strip():
            raise ConfigError("the query is empty: give the goal's text")
        if method == "bm25":
            return self._rank_bm25(self._bm25.scores(query), k, allowed)
        if method == "dense":
            return self._dense.search(self._vector(query, vector), k, allowed)
        return self.fusion.combine(self.rankings(query, max(k, self.fusion.depth), allowed, vector, position), k)

    def rankings(self, query: str, depth: int, allowed: np.ndarray | None = None, vector: np.ndarray | None = None,
                 position: Position | None = None) -> Rankings:
        """Every signal's ranking of the first `depth` premises, as the hybrid fuses them."""
        scores = self._bm25.scores(query)
        named = self._names.named(query, allowed)
        named = named[np.lexsort((named, -scores[named]))]
        return Rankings(
            bm25=self._rank_bm25(scores, depth, allowed)[0],
            dense=self._dense.search(self._vector(query, vector), depth, allowed)[0],
            nearby=(self._nearby.ranking(position, allowed, depth) if position is not None
                    else np.zeros(0, dtype=np.int64)),
            named=named[:depth],
        )

    def _vector(self, query: str, vector: np.ndarray | None) -> np.ndarray:
        return self.encode([query])[0] if vector is None else vector

    @staticmethod
    def _rank_bm25(scores: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        candidates = np.arange(len(scores)) if allowed is None else np.flatnonzero(allowed)
        if len(candidates) > k:
            # Partition first: sorting 60k scores per query would dominate the evaluation.
            top = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[top]
        order = np.lexsort((candidates, -scores[candidates]))
        chosen = candidates[order]
        return chosen.astype(np.int64), scores[chosen]
