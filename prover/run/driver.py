"""The evaluation driver: theorems out to workers, attempts into the store as they arrive.

A run is a row in the store; every finished attempt is written at once, in its own
transaction, with its search steps. Re-running the same run id skips the theorems that
already have an attempt, so a killed driver loses only what was in flight and never writes
a duplicate (the store's UNIQUE(run, theorem) makes one impossible anyway).

Theorems are grouped by file (Coq module) and each group goes to one worker in file order:
consecutive theorems of a file share most of their header, which a warm env has loaded
already, so a worker pays a file's context once rather than once per theorem. A worker that
dies (its process killed, out of memory) is replaced and its in-flight theorem retried; one
that overruns its budget by more than a grace period is killed and the attempt recorded as a
timeout. Model-backed policies are loaded once per run, in a host actor the workers share
(`prover.run.hosted`), on a GPU when the cluster has one.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prover.config import ProverConfig, load_prover_config
from prover.envs.base import Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofAttempt
from prover.run.benchmarks import DEFAULT_BENCHMARK, DEFAULT_SPLIT, Benchmark, load_benchmark
from prover.run.cluster import last_line, ray_session
from prover.run.hosted import host_policies
from prover.run.worker import EvalWorker
from prover.store import AttemptRecord, RunInfo, Store
from prover.store.provenance import code_version, machine

DEFAULT_PROVER = "automation"
DEFAULT_BUDGET = 10.0
DEFAULT_LIMIT = 24
"""The default sample: small enough that `make demo` ends within 5 minutes on 2 cores."""


@dataclass(frozen=True, slots=True)
class EvalSpec:
    """What to evaluate; everything but `workers`, `address`, `retries` and `grace_seconds`
    defines the run."""

    benchmark: str = DEFAULT_BENCHMARK
    split: str | None = DEFAULT_SPLIT
    path: str | None = None
    """A local copy of the benchmark, for those read from disk."""
    limit: int | None = DEFAULT_LIMIT
    prover: str = DEFAULT_PROVER
    """A prover config name (``eval/<name>.toml``, or built-in) or a path to one."""
    budget_seconds: float = DEFAULT_BUDGET
    workers: int | None = None
    """Ray workers (None: one per core Ray sees); 0 runs in this process, without Ray."""
    address: str | None = None
    """A Ray cluster's address; None starts a local Ray."""
    retries: int = 2
    """How often a theorem is retried after its worker died."""
    grace_seconds: float | None = None
    """How long past its budget a prover may run before its worker is killed; None:
    ``max(30, budget)`` (checking the proof and loading a long file context come on top of
    the search budget)."""

    def run_config(self, prover_config_json: str) -> str:
        """The JSON that identifies the run: a resumed run must have the same."""
        return json.dumps({
            "benchmark": self.benchmark, "split": self.split,
            "path": None if self.path is None else str(Path(self.path).resolve()),
            "limit": self.limit, "budget_seconds": self.budget_seconds,
            "prover": self.prover, "prover_config": json.loads(prover_config_json),
        }, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Started:
    """What the driver knows once the run is open: for progress bars."""

    run_id: str
    benchmark: Benchmark
    todo: int
    done_before: int
    workers: int


def _ignore(*_args: object) -> None:
    return None


def run_eval(spec: EvalSpec, store: Store, run_id: str | None = None,
             on_started: Callable[[Started], None] | None = None,
             on_result: Callable[[Theorem, ProofAttempt], None] | None = None) -> str:
    """Run (or resume) an evaluation into `store`; returns the run id.

    `on_started` is called once the run is open, `on_result` after each attempt is stored.
    On an exception or Ctrl-C the run is marked ``killed`` (its stored attempts stay) and the
    exception propagates; rerun with the same `run_id` to resume.
    """
    started, result = on_started or _ignore, on_result or _ignore
    if spec.budget_seconds <= 0:
        raise ConfigError(f"the budget must be positive, not {spec.budget_seconds:g} s")
    if spec.workers is not None and spec.workers < 0:
        raise ConfigError(f"--workers must be 0 (in-process) or more, not {spec.workers}")
    benchmark = load_benchmark(spec.benchmark, spec.split, spec.path, spec.limit)
    prover_config = load_prover_config(spec.prover)
    config_json = spec.run_config(prover_config.to_json())
    benchmark_id = store.upsert_benchmark(benchmark.name, benchmark.split)
    ids = store.add_theorems(benchmark_id, benchmark.theorems)
    run = store.start_run(RunInfo(id=run_id or "", config_json=config_json, code_version=code_version(),
                                  machine=machine()))
    done = store.done_theorems(run.id)
    todo = [t for t in benchmark.theorems if t.key not in done]
    writer = _Writer(store, run.id, ids, result)
    try:
        if spec.workers == 0 or not todo:
            started(Started(run.id, benchmark, len(todo), len(done), 0))
            _run_in_process(spec, prover_config, todo, writer)
        else:
            import ray

            with ray_session(spec.workers, spec.address) as slots:
                slots = min(slots, len(_groups(todo)))
                worker_config, hosts = host_policies(prover_config, run.id, slots)
                try:
                    started(Started(run.id, benchmark, len(todo), len(done), slots))
                    _RayPool(spec, worker_config, slots, writer).run(todo)
                finally:
                    for host in hosts:
                        ray.kill(host)
    except BaseException:
        store.finish_run(run.id, "killed")
        raise
    store.finish_run(run.id, "finished")
    return run.id


class _Writer:
    """Turns attempts into store rows, one transaction each, as they arrive."""

    def __init__(self, store: Store, run_id: str, ids: dict[str, int],
                 on_result: Callable[[Theorem, ProofAttempt], None]) -> None:
        self.store, self.run_id, self.ids, self.on_result = store, run_id, ids, on_result

    def write(self, theorem: Theorem, attempt: ProofAttempt) -> None:
        solved = attempt.status == "solved"
        self.store.record_attempt(
            AttemptRecord(
                run_id=self.run_id, theorem_id=self.ids[theorem.key], status=attempt.status,
                proof=attempt.proof if solved else None,
                verdict_accepted=True if solved else None, verdict_reason=attempt.reason,
                axioms=attempt.axioms, seconds=attempt.seconds, expansions=attempt.expansions,
                tactic_calls=attempt.tactic_calls, tokens=attempt.tokens,
                error=attempt.reason if attempt.status == "error" else None,
                deepest=None if solved else attempt.deepest,
            ),
            attempt.steps,
        )
        self.on_result(theorem, attempt)


def _groups(theorems: Iterable[Theorem]) -> list[deque[Theorem]]:
    """Theorems by file, each group in file order (shortest header first), largest group first."""
    by_file: dict[tuple[str, str], list[Theorem]] = {}
    for theorem in theorems:
        by_file.setdefault((theorem.backend, theorem.module or theorem.header[:200]), []).append(theorem)
    groups = [deque(sorted(group, key=lambda t: len(t.header))) for group in by_file.values()]
    return sorted(groups, key=len, reverse=True)


def _run_in_process(spec: EvalSpec, prover_config: ProverConfig, todo: list[Theorem], writer: _Writer) -> None:
    worker = EvalWorker(prover_config)
    try:
        for group in _groups(todo):
            for theorem in group:
                writer.write(theorem, worker.attempt(theorem, spec.budget_seconds))
    finally:
        worker.close()


@dataclass(slots=True)
class _InFlight:
    slot: int
    theorem: Theorem
    tries: int
    deadline: float


@dataclass(slots=True)
class _Slot:
    actor: Any
    group: deque[Theorem] = field(default_factory=deque)
    retry: tuple[Theorem, int] | None = None


class _RayPool:
    """Ray actors, each with a warm env and the prover; one theorem in flight per actor."""

    def __init__(self, spec: EvalSpec, prover_config: ProverConfig, slots: int, writer: _Writer) -> None:
        import ray

        self.ray = ray
        self.spec, self.prover_config, self.writer = spec, prover_config, writer
        self.actor_class = ray.remote(num_cpus=1, max_restarts=0)(EvalWorker)
        self.slots = [_Slot(self._new_actor()) for _ in range(slots)]
        self.grace = max(30.0, spec.budget_seconds) if spec.grace_seconds is None else spec.grace_seconds

    def _new_actor(self) -> Any:
        return self.actor_class.remote(self.prover_config)

    def run(self, todo: list[Theorem]) -> None:
        queue = deque(_groups(todo))
        in_flight: dict[Any, _InFlight] = {}
        try:
            while True:
                for index, slot in enumerate(self.slots):
                    if any(f.slot == index for f in in_flight.values()):
                        continue
                    job = self._next(slot, queue)
                    if job is not None:
                        theorem, tries = job
                        ref = slot.actor.attempt.remote(theorem, self.spec.budget_seconds)
                        deadline = time.monotonic() + self.spec.budget_seconds + self.grace
                        in_flight[ref] = _InFlight(index, theorem, tries, deadline)
                if not in_flight:
                    return
                ready, _ = self.ray.wait(list(in_flight), num_returns=1, timeout=1.0)
                for ref in ready:
                    self._collect(ref, in_flight.pop(ref))
                self._kill_overdue(in_flight)
        finally:  # let workers stop their provers' processes, then make sure they are gone
            self.ray.wait([slot.actor.close.remote() for slot in self.slots],
                          num_returns=len(self.slots), timeout=10.0)
            for slot in self.slots:
                self.ray.kill(slot.actor)

    def _next(self, slot: _Slot, queue: deque[deque[Theorem]]) -> tuple[Theorem, int] | None:
        if slot.retry is not None:
            job, slot.retry = slot.retry, None
            return job
        if not slot.group:
            if queue:
                slot.group = queue.popleft()
            else:  # steal the later half of the longest group another worker still has
                donor = max(self.slots, key=lambda s: len(s.group))
                if len(donor.group) < 2:
                    return None
                half = len(donor.group) // 2
                slot.group = deque(donor.group.pop() for _ in range(half))
                slot.group.reverse()
        return slot.group.popleft(), 1

    def _collect(self, ref: Any, job: _InFlight) -> None:
        from ray.exceptions import RayActorError

        try:
            attempt = self.ray.get(ref)
        except RayActorError as exc:
            self.slots[job.slot].actor = self._new_actor()
            if job.tries <= self.spec.retries:
                self.slots[job.slot].retry = (job.theorem, job.tries + 1)
                return
            attempt = ProofAttempt(job.theorem.key, "error", None,
                                   f"the worker died {job.tries} times on this theorem: {last_line(exc)}", 0.0, 0)
        self.writer.write(job.theorem, attempt)

    def _kill_overdue(self, in_flight: dict[Any, _InFlight]) -> None:
        now = time.monotonic()
        for ref, job in list(in_flight.items()):
            if now < job.deadline:
                continue
            del in_flight[ref]
            slot = self.slots[job.slot]
            self.ray.kill(slot.actor)
            slot.actor = self._new_actor()
            seconds = self.spec.budget_seconds + self.grace
            self.writer.write(job.theorem, ProofAttempt(
                job.theorem.key, "timeout", None,
                f"the prover did not return within {seconds:g} s (budget {self.spec.budget_seconds:g} s "
                "plus grace); its worker was killed", seconds, 0))
