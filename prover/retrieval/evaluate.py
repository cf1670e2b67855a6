"""How well retrieval finds a theorem's gold premises: Recall@1/10/100 and MRR per method.

The cases are the theorems of a split whose library proof replayed and refers to at least
one library constant, exactly as `prover.data.coverage` counts them: gold premises are the
proof's constants from the modules its file loads or from its own module (a functor
parameter's field names no library constant). Each theorem's query is its root goal
(`theorem_query`), and every method ranks only the premises accessible to it
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
from prover.retrieval.hybrid import Fusion, Rankings
from prover.retrieval.index import METHODS, PremiseRetriever
from prover.retrieval.signals import Position
from prover.retrieval.text import goal_query

__all__ = ["CUTOFFS", "EvalCase", "Evaluation", "MethodResult", "cases_from_extraction", "evaluate", "fusion_grid",
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
    position: Position


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One method's scores over the cases."""

    method: str
    recall_at_1: float
    recall_at_10: float
    recall_at_100: float
    mrr: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    split: str
    cases: int
    ceiling: float
    """Share of gold premises that are accessible (and in the corpus): the most any recall can be."""
    results: tuple[MethodResult, ...]
    """bm25, dense, hybrid."""
    seconds: float
    """Wall time of all the queries: embedding them, then every ranking."""

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
            cases.append(EvalCase(record.qualified_name, theorem_query(record), gold, loaded,
                                  Position(record.module, record.line)))
        if limit is not None and len(cases) >= limit:
            break
    return cases


@dataclass(slots=True)
class _Tally:
    hits: np.ndarray
    reciprocal: float = 0.0

    def add(self, ranked: np.ndarray, gold: np.ndarray, total: int) -> None:
        found = np.isin(ranked[: CUTOFFS[-1]], gold)
        self.hits += np.array([found[:k].sum() / total for k in CUTOFFS])
        first = np.flatnonzero(found)
        self.reciprocal += 1.0 / (first[0] + 1) if len(first) else 0.0

    def result(self, method: str, count: int) -> MethodResult:
        recall = self.hits / max(count, 1)
        return MethodResult(method, *map(float, recall), self.reciprocal / max(count, 1))


def _ranked(method: str, rankings: Rankings, fusion: Fusion) -> np.ndarray:
    if method == "bm25":
        return rankings.bm25
    if method == "dense":
        return rankings.dense
    return fusion.combine(rankings, CUTOFFS[-1])[0]


def evaluate(retriever: PremiseRetriever, cases: Sequence[EvalCase], index: PremiseIndex, split: str,
             fusions: Sequence[Fusion] = (),
             progress: Callable[[int], None] | None = None) -> tuple[Evaluation, list[tuple[Fusion, MethodResult]]]:
    """Score each method on `cases`, ranking among each case's accessible premises (`index` is
    the corpus's `PremiseIndex`). Each of `fusions` is scored too, as a hybrid, from the same
    rankings: the second item, for choosing the fusion on a validation split."""
    if not cases:
        raise ConfigError(f"no {split} theorem with gold premises to evaluate on")
    depth = max([CUTOFFS[-1], retriever.fusion.depth, *(f.depth for f in fusions)])
    tallies = {m: _Tally(np.zeros(len(CUTOFFS))) for m in METHODS}
    tuned = [_Tally(np.zeros(len(CUTOFFS))) for _ in fusions]
    started = time.monotonic()
    vectors = retriever.encode([c.query for c in cases])
    reachable = total = 0
    for number, case in enumerate(cases):
        allowed = retriever.allowed(index.accessible(case.requires, case.position.module, case.position.line))
        gold = np.array([i for i in map(retriever.position, case.gold) if i is not None and allowed[i]],
                        dtype=np.int64)
        reachable += len(gold)
        total += len(case.gold)
        rankings = retriever.rankings(case.query, depth, allowed, vectors[number], case.position)
        for method, tally in tallies.items():
            tally.add(_ranked(method, rankings, retriever.fusion), gold, len(case.gold))
        for fusion, tally in zip(fusions, tuned, strict=True):
            tally.add(fusion.combine(rankings, CUTOFFS[-1])[0], gold, len(case.gold))
        if progress is not None:
            progress(number + 1)
    evaluation = Evaluation(split, len(cases), reachable / max(total, 1),
                            tuple(tallies[m].result(m, len(cases)) for m in METHODS), time.monotonic() - started)
    return evaluation, [(f, t.result("hybrid", len(cases))) for f, t in zip(fusions, tuned, strict=True)]


def fusion_grid(base: Fusion, weights: Iterable[float] = (0.0, 0.5, 1.0, 2.0),
                constants: Iterable[float] = (10.0, 60.0)) -> list[Fusion]:
    """`base` with every combination of the four weights (BM25 fixed at 1, the others from
    `weights`) and RRF `constants`."""
    weights, constants = tuple(weights), tuple(constants)
    return [replace(base, bm25_weight=1.0, dense_weight=d, nearby_weight=n, named_weight=m, constant=c)
            for d in weights for n in weights for m in weights for c in constants]


def tune_fusion(retriever: PremiseRetriever, cases: Sequence[EvalCase], index: PremiseIndex, split: str,
                grid: Sequence[Fusion] | None = None) -> list[tuple[Fusion, MethodResult]]:
    """Hybrid scores on `cases` for each fusion of `grid` (default `fusion_grid`), best
    Recall@10 first. Refuses the test split: the fusion is chosen on validation data and
    only reported on test."""
    if split == "test":
        raise ConfigError("tuning on the test split would overstate the hybrid: tune on --split valid")
    _, scored = evaluate(retriever, cases, index, split, fusions=grid or fusion_grid(retriever.fusion))
    return sorted(scored, key=lambda item: (-item[1].recall_at_10, -item[1].mrr))
