"""How well retrieval finds a theorem's gold premises: Recall@1/10/100 and MRR per method.

The cases are the theorems of a split whose library proof replayed and refers to at least
one library constant, exactly as `prover.data.coverage` counts them: gold premises are the
proof's constants from the modules its file loads or from its own module (a functor
parameter's field names no library constant). Each theorem's query is its root goal
(`goal_query`), and every method ranks only the premises accessible to it
(`PremiseIndex.accessible`: what its file loads, plus what its file declares before it).

Recall@k is the share of a theorem's gold premises among the first k, averaged over
theorems; a gold premise outside the accessible set counts as missed (`ceiling` says how
many are reachable at all). MRR is the mean of 1/rank of the first gold premise within the
first 100 (0 when none is).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from prover.data.premises import PremiseIndex
from prover.data.records import TheoremRecord, read_files
from prover.errors import ConfigError
from prover.retrieval.hybrid import Fusion
from prover.retrieval.index import METHODS, Method, PremiseRetriever
from prover.retrieval.text import goal_query

__all__ = ["CUTOFFS", "EvalCase", "Evaluation", "MethodResult", "cases_from_extraction", "evaluate",
           "theorem_query", "tune_fusion"]

CUTOFFS = (1, 10, 100)


@dataclass(frozen=True, slots=True)
class EvalCase:
    """A theorem to retrieve for, with what its proof used."""

    name: str
    """Fully qualified name of the theorem."""
    query: str
    gold: tuple[str, ...]
    requires: tuple[str, ...]
    """Modules its file loads."""
    module: str
    line: int


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One method's scores over the cases."""

    method: str
    recall_at_1: float
    recall_at_10: float
    recall_at_100: float
    mrr: float
    seconds: float
    """Wall time of its queries (dense and hybrid include embedding the queries)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    split: str
    cases: int
    ceiling: float
    """Share of gold premises that are accessible (and in the corpus): the most any recall can be."""
    results: tuple[MethodResult, ...]

    def result(self, method: str) -> MethodResult:
        for result in self.results:
            if result.method == method:
                return result
        raise KeyError(method)


def theorem_query(record: TheoremRecord) -> str:
    """The query for proving `record` from scratch: its root goal, or its statement when the
    extraction traced no step."""
    if record.steps and record.steps[0].before:
        return goal_query(g.to_goal() for g in record.steps[0].before)
    return record.statement


def cases_from_extraction(out_dir: str | os.PathLike[str], split: str, limit: int | None = None) -> list[EvalCase]:
    """The evaluation cases of `split` in an extraction directory (``theorems.jsonl``,
    ``files.jsonl``); the first `limit` only, when given."""
    from prover.data.loader import load_records

    files_path = Path(out_dir) / "files.jsonl"
    if not files_path.is_file():
        raise ConfigError(f"{files_path} is missing: is {out_dir} the output of `prover extract coq`?")
    requires = {f.file: f.requires for f in read_files(files_path)}
    cases = []
    for record in load_records(out_dir, split):
        if not record.replayed or not record.premises:
            continue
        loaded = requires.get(record.file, ())
        roots = tuple(f"{m}." for m in (*loaded, record.module))
        gold = tuple(name for name in record.premises if name.startswith(roots))
        if gold:
            cases.append(EvalCase(record.qualified_name, theorem_query(record), gold, loaded, record.module,
                                  record.line))
        if limit is not None and len(cases) >= limit:
            break
    return cases


@dataclass(slots=True)
class _Tally:
    hits: np.ndarray
    reciprocal: float = 0.0
    seconds: float = 0.0

    def add(self, ranked: np.ndarray, gold: np.ndarray, total: int) -> None:
        found = np.isin(ranked[: CUTOFFS[-1]], gold)
        self.hits += np.array([found[:k].sum() / total for k in CUTOFFS])
        first = np.flatnonzero(found)
        self.reciprocal += 1.0 / (first[0] + 1) if len(first) else 0.0

    def result(self, method: str, count: int) -> MethodResult:
        recall = self.hits / max(count, 1)
        return MethodResult(method, *map(float, recall), self.reciprocal / max(count, 1), self.seconds)


def _tally() -> _Tally:
    return _Tally(np.zeros(len(CUTOFFS)))


def evaluate(retriever: PremiseRetriever, cases: Sequence[EvalCase], index: PremiseIndex, split: str,
             methods: Iterable[Method] = METHODS, fusions: Sequence[Fusion] = (),
             progress: Callable[[int], None] | None = None) -> tuple[Evaluation, list[tuple[Fusion, MethodResult]]]:
    """Score `methods` on `cases`, ranking among each case's accessible premises (`index` is
    the corpus's `PremiseIndex`). Each of `fusions` is scored too, as a hybrid, from the same
    BM25 and dense rankings: the second item, for choosing the fusion on a validation split."""
    methods = tuple(methods)
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ConfigError(f"unknown retrieval methods {sorted(unknown)}: use {', '.join(METHODS)}")
    if not cases:
        raise ConfigError(f"no {split} theorem with gold premises to evaluate on")
    fusions = tuple(fusions)
    depth = max([CUTOFFS[-1], retriever.fusion.depth, *(f.depth for f in fusions)])
    tallies = {m: _tally() for m in methods}
    tuned = [_tally() for _ in fusions]
    need_dense = bool(fusions) or any(m != "bm25" for m in methods)
    started = time.monotonic()
    vectors = retriever.encode([c.query for c in cases]) if need_dense else None
    encoding = time.monotonic() - started
    reachable = total = 0
    for number, case in enumerate(cases):
        allowed = retriever.allowed(index.accessible(case.requires, case.module, case.line))
        gold_ids = np.array([i for i in map(retriever.position, case.gold) if i is not None and allowed[i]],
                            dtype=np.int64)
        reachable += len(gold_ids)
        total += len(case.gold)
        clock = time.monotonic()
        sparse, _ = retriever.rank(case.query, depth, allowed, "bm25")
        sparse_seconds = time.monotonic() - clock
        clock = time.monotonic()
        dense = retriever.rank(case.query, depth, allowed, "dense", vectors[number])[0] if vectors is not None else None
        dense_seconds = time.monotonic() - clock
        for method, tally in tallies.items():
            clock = time.monotonic()
            if method == "bm25":
                ranked, tally.seconds = sparse, tally.seconds + sparse_seconds
            elif method == "dense" and dense is not None:
                ranked, tally.seconds = dense, tally.seconds + dense_seconds
            elif dense is not None:
                ranked = retriever.fusion.combine(sparse, dense, CUTOFFS[-1])[0]
                tally.seconds += sparse_seconds + dense_seconds + time.monotonic() - clock
            tally.add(ranked, gold_ids, len(case.gold))
        for fusion, tally in zip(fusions, tuned, strict=True):
            if dense is not None:
                tally.add(fusion.combine(sparse, dense, CUTOFFS[-1])[0], gold_ids,
                          len(case.gold))
        if progress is not None:
            progress(number + 1)
    for method in methods:
        if method != "bm25":
            tallies[method].seconds += encoding
    evaluation = Evaluation(split, len(cases), reachable / max(total, 1),
                            tuple(tallies[m].result(m, len(cases)) for m in methods))
    return evaluation, [(f, t.result("hybrid", len(cases))) for f, t in zip(fusions, tuned, strict=True)]


def tune_fusion(retriever: PremiseRetriever, cases: Sequence[EvalCase], index: PremiseIndex, split: str,
                weights: Iterable[float] = (0.3, 0.4, 0.5, 0.6, 0.7),
                constants: Iterable[float] = (10.0, 30.0, 60.0)) -> list[tuple[Fusion, MethodResult]]:
    """Hybrid scores on `cases` for each weight x constant, best Recall@10 first. Refuses the
    test split: the fusion is chosen on validation data and only reported on test."""
    if split == "test":
        raise ConfigError("tuning on the test split would overstate the hybrid: tune on --split valid")
    grid = [replace(retriever.fusion, bm25_weight=w, constant=c) for w in weights for c in constants]
    _, scored = evaluate(retriever, cases, index, split, methods=(), fusions=grid)
    return sorted(scored, key=lambda item: (-item[1].recall_at_10, -item[1].mrr))
