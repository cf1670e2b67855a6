"""What a run achieved, read back from the store: totals, times, categories, comparisons.

Everything here reads the store only, so the summary printed at the end of `prover eval`,
`prover runs`, `prover compare` and the HTML report show the same numbers.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass

from prover.store import AttemptRecord, RunInfo, Store, TheoremInfo


@dataclass(frozen=True, slots=True)
class Result:
    """One theorem's attempt in a run."""

    theorem: TheoremInfo
    attempt: AttemptRecord

    @property
    def solved(self) -> bool:
        return self.attempt.status == "solved"


@dataclass(frozen=True, slots=True)
class CategoryRow:
    category: str
    total: int
    solved: int

    @property
    def rate(self) -> float:
        return self.solved / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run and the counts of its attempts by status."""

    run: RunInfo
    benchmark: str
    split: str
    prover: str
    budget_seconds: float | None
    total: int
    solved: int
    failed: int
    timeout: int
    error: int
    median_seconds: float | None
    """Median wall time over every attempt."""
    median_solved_seconds: float | None
    """Median wall time over the solved attempts."""
    categories: tuple[CategoryRow, ...]

    @property
    def rate(self) -> float:
        return self.solved / self.total if self.total else 0.0


def category_of(theorem: TheoremInfo) -> str:
    """The group a theorem is reported under: its library directory (``Arith`` for
    ``stdlib:Arith/PeanoNat.v:12``), else its split, else ``all``."""
    if theorem.source:
        location = theorem.source.split(":")
        path = location[1] if len(location) > 1 else location[0]
        if "/" in path:
            return path.split("/", 1)[0]
    return theorem.split or "all"


def results(store: Store, run_id: str) -> list[Result]:
    """A run's results in the order they were recorded."""
    theorems = {t.id: t for t in store.run_theorems(run_id)}
    return [Result(theorems[a.theorem_id], a) for a in store.attempts(run_id)]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(store: Store, run_id: str) -> RunSummary:
    """The summary of run `run_id` (raises ConfigError when there is no such run)."""
    run = store.run(run_id)
    config = json.loads(run.config_json or "{}")
    found = results(store, run_id)
    statuses = Counter(r.attempt.status for r in found)
    by_category: dict[str, list[Result]] = {}
    for result in found:
        by_category.setdefault(category_of(result.theorem), []).append(result)
    categories = tuple(
        CategoryRow(name, len(rows), sum(r.solved for r in rows)) for name, rows in sorted(by_category.items())
    )
    return RunSummary(
        run=run,
        benchmark=str(config.get("benchmark", "?")),
        split=str(config.get("split") or ""),
        prover=str(config.get("prover", "?")),
        budget_seconds=config.get("budget_seconds"),
        total=len(found),
        solved=statuses["solved"],
        failed=statuses["failed"],
        timeout=statuses["timeout"],
        error=statuses["error"],
        median_seconds=_median([r.attempt.seconds for r in found]),
        median_solved_seconds=_median([r.attempt.seconds for r in found if r.solved]),
        categories=categories,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Theorems two runs both attempted, split by who solved them."""

    run_a: str
    run_b: str
    only_a: tuple[TheoremInfo, ...]
    only_b: tuple[TheoremInfo, ...]
    both: int
    neither: int
    only_in_one_run: int
    """Theorems attempted by one run but not the other (left out of the comparison)."""


def compare(store: Store, run_a: str, run_b: str) -> Comparison:
    """What `run_a` solved that `run_b` did not, and the other way round (by theorem key)."""
    store.run(run_a), store.run(run_b)  # unknown ids are errors, not empty runs
    a = {r.theorem.key: r for r in results(store, run_a)}
    b = {r.theorem.key: r for r in results(store, run_b)}
    common = sorted(a.keys() & b.keys(), key=lambda k: a[k].theorem.name)
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        only_a=tuple(a[k].theorem for k in common if a[k].solved and not b[k].solved),
        only_b=tuple(b[k].theorem for k in common if b[k].solved and not a[k].solved),
        both=sum(a[k].solved and b[k].solved for k in common),
        neither=sum(not a[k].solved and not b[k].solved for k in common),
        only_in_one_run=len(a.keys() ^ b.keys()),
    )
