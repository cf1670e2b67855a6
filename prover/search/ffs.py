"""First-finish search: whole-proof samples checked in parallel; the first accepted wins.

Every `ProofPolicy` is asked for its samples, which are de-duplicated by text and checked
best first. With ``workers=1`` they are checked one after another in the caller's env. With
more, each of `workers` fresh envs (same backend and limits) checks samples from a shared
queue; once one proof is accepted, samples not yet started are dropped and checks still
running are cancelled by closing their env (which kills its process tree), so no worker
outlives the attempt. A proof is solved only when `Env.check` accepts it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from prover.envs.base import Env, Theorem, Verdict
from prover.errors import ProverError
from prover.policies.base import ProofAttempt, ProofPolicy, ProofSample, SearchStep, Status
from prover.search.budget import Budget, Meter

if TYPE_CHECKING:
    from prover.config import ProverConfig

EnvFactory = Callable[[Theorem], Env]


@dataclass(frozen=True, slots=True)
class SampleSlot:
    """A proof policy and how many samples to ask it for."""

    policy: ProofPolicy
    n: int


def _fresh_env(theorem: Theorem) -> Env:
    from prover.envs.open import open_env

    return open_env(theorem.backend)


def collect_samples(theorem: Theorem, slots: Sequence[SampleSlot]) -> list[ProofSample]:
    """Every policy's samples, one per proof text (the best-scored), best first."""
    best: dict[str, ProofSample] = {}
    for slot in slots:
        for sample in slot.policy.sample(theorem, slot.n):
            key = " ".join(sample.proof.split())
            if key and (key not in best or sample.score > best[key].score):
                best[key] = sample
    return sorted(best.values(), key=lambda s: -s.score)


class FirstFinishSearch:
    """A `Prover`: sample whole proofs, check them (in parallel with `workers` > 1), first accepted wins."""

    name = "ffs"

    def __init__(self, slots: Sequence[SampleSlot], workers: int = 1, max_tactic_calls: int = 2000,
                 env_factory: EnvFactory = _fresh_env) -> None:
        self.slots = tuple(slots)
        self.workers = max(1, workers)
        self.max_tactic_calls = max_tactic_calls
        self.env_factory = env_factory

    @classmethod
    def from_config(cls, config: ProverConfig) -> Self:
        from prover.config import build_policy

        slots = tuple(SampleSlot(build_policy(p), p.k) for p in config.policies)  # type: ignore[arg-type]
        return cls(slots, config.search.workers, config.search.max_tactic_calls)

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        t0 = time.monotonic()
        meter = Meter(Budget(budget_seconds, 1, self.max_tactic_calls))
        outcome = _Outcome()

        def done(status: Status, reason: str) -> ProofAttempt:
            return ProofAttempt(theorem.key, status, outcome.proof, reason, time.monotonic() - t0,
                                meter.tactic_calls, 0, outcome.tokens, outcome.axioms, None, tuple(outcome.steps))

        try:
            samples = collect_samples(theorem, self.slots)
            outcome.tokens = sum(s.tokens for s in samples)
            if self.workers == 1:
                _check_in_turn(env, theorem, samples, meter, outcome)
            else:
                _check_in_parallel(self.env_factory, self.workers, theorem, samples, meter, outcome)
        except ProverError as exc:
            return done("error", f"{type(exc).__name__}: {exc}")
        if outcome.proof is not None:
            return done("solved", "accepted")
        if not samples:
            return done("failed", "the policies proposed no proof")
        if (why := meter.exhausted()) is not None and outcome.checked < len(samples):
            return done("timeout", f"{why} after {outcome.checked} of {len(samples)} sample(s)")
        return done("failed", outcome.reason or "no sample was accepted")


class _Outcome:
    """What the checks found so far (shared by the worker threads under `lock`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proof: str | None = None
        self.axioms: tuple[str, ...] = ()
        self.reason = ""
        self.tokens = 0
        self.checked = 0
        self.steps: list[SearchStep] = []

    def record(self, sample: ProofSample, verdict: Verdict | None, ms: float, meter: Meter) -> bool:
        """Note one check's verdict (None: cancelled); True when this sample is the winner."""
        with self.lock:
            if verdict is None:
                self.steps.append(SearchStep(sample.proof, sample.policy, "cancelled", ms))
                return False
            meter.tactic_calls += 1
            self.checked += 1
            won = verdict.accepted and self.proof is None
            self.steps.append(SearchStep(sample.proof, sample.policy, "finished" if verdict.accepted else "error", ms))
            if won:
                self.proof, self.axioms = sample.proof, verdict.axioms
            elif not verdict.accepted:
                self.reason = f"last rejection: {verdict.reason}"
            return won


def _check_in_turn(env: Env, theorem: Theorem, samples: list[ProofSample], meter: Meter, outcome: _Outcome) -> None:
    for sample in samples:
        if meter.exhausted() is not None:
            return
        started = time.monotonic()
        verdict = env.check(theorem, sample.proof)
        if outcome.record(sample, verdict, (time.monotonic() - started) * 1000, meter):
            return


def _check_in_parallel(factory: EnvFactory, workers: int, theorem: Theorem, samples: list[ProofSample],
                       meter: Meter, outcome: _Outcome) -> None:
    todo: queue.SimpleQueue[ProofSample] = queue.SimpleQueue()
    for sample in samples:
        todo.put(sample)
    finished = threading.Event()
    envs: list[Env] = []
    errors: list[ProverError] = []

    def work(env: Env) -> None:
        while not finished.is_set() and meter.exhausted() is None:
            try:
                sample = todo.get_nowait()
            except queue.Empty:
                return
            started = time.monotonic()
            try:
                verdict: Verdict | None = env.check(theorem, sample.proof)
            except ProverError as exc:
                if not finished.is_set():  # after a win, a killed env is the cancellation itself
                    errors.append(exc)
                verdict = None
            if finished.is_set() and verdict is not None and not verdict.accepted:
                verdict = None  # killed by the cancellation: its rejection says nothing about the sample
            if outcome.record(sample, verdict, (time.monotonic() - started) * 1000, meter):
                finished.set()

    threads: list[threading.Thread] = []
    try:
        for _ in range(min(workers, len(samples))):
            env = factory(theorem)
            envs.append(env)
            threads.append(threading.Thread(target=work, args=(env,), daemon=True))
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and not finished.wait(0.05) and meter.exhausted() is None:
            pass
    finally:
        finished.set()
        for env in envs:  # kills checks still running: the cancellation
            with contextlib.suppress(ProverError, OSError):
                env.close()
        for thread in threads:
            thread.join(timeout=10)
    if errors and outcome.proof is None and outcome.checked == 0:
        raise errors[0]
