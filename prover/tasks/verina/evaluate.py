"""Evaluate a Verina solution (code, specification, proof) on any backend, and pass@k.

The metrics are Verina's (sunblaze-ucb/verina, ``benchmark/metrics.py``):

- code: the code compiles and every test's expected output is what it computes;
- specification, four checks: the precondition holds on every test input (sound) and fails on
  every reject input (complete); the postcondition holds for every test's expected output
  (complete) and fails for each of its unexpected outputs (sound);
- proof: the theorem ``postcond inputs (f inputs)`` under the precondition checks, with no
  ``sorry``/``admit``/new axiom.

Each check on concrete values is a theorem: proving it passes it, proving its negation fails
it, and neither leaves it unknown (Verina: ``decide``, then Plausible, then unknown). A group
passes only when every check passes. Every verdict comes from `Env.check`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Protocol

from prover.envs.base import Env, Theorem
from prover.errors import ConfigError, EnvInitError
from prover.tasks.verina.task import (
    CODE_SECTIONS,
    PROOF_SECTIONS,
    SPEC_SECTIONS,
    Solution,
    Value,
    VerinaTask,
)


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Check:
    """One check on concrete values."""

    name: str
    """``test 3``, ``reject 0``, ``test 2 unexpected 1``."""
    outcome: Outcome
    reason: str = ""
    """Why it did not pass (the checker's reasons for the claim and its negation)."""


@dataclass(frozen=True, slots=True)
class CheckGroup:
    """Checks that share one header, which must compile first."""

    compiles: bool
    checks: tuple[Check, ...] = ()
    error: str = ""
    """Why the header did not compile, or why the candidate was refused."""

    @property
    def outcome(self) -> Outcome:
        outcomes = {c.outcome for c in self.checks}
        if not self.compiles or Outcome.FAIL in outcomes:
            return Outcome.FAIL
        return Outcome.UNKNOWN if Outcome.UNKNOWN in outcomes else Outcome.PASS


@dataclass(frozen=True, slots=True)
class SpecResult:
    """Verina's four specification checks."""

    precond_sound: CheckGroup
    precond_complete: CheckGroup
    postcond_sound: CheckGroup
    postcond_complete: CheckGroup

    @property
    def passed(self) -> bool:
        return all(getattr(self, f.name).outcome is Outcome.PASS for f in fields(self))


@dataclass(frozen=True, slots=True)
class ProofResult:
    accepted: bool
    reason: str
    axioms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Code, specification and proof results of one solution of one task."""

    task_id: str
    code: CheckGroup
    spec: SpecResult
    proof: ProofResult
    seconds: float = 0.0

    @property
    def code_passed(self) -> bool:
        return self.code.outcome is Outcome.PASS

    @property
    def passed(self) -> bool:
        return self.code_passed and self.spec.passed and self.proof.accepted

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "code_passed": self.code_passed, "spec_passed": self.spec.passed,
                           "proof_passed": self.proof.accepted, "passed": self.passed})


class VerinaBackend(Protocol):
    """What the harness needs from a proof assistant (`CoqVerina`, `LeanVerina`)."""

    name: str
    decide_proof: str

    def header(self, task: VerinaTask, solution: Solution, *, code: bool, postcond: bool, proof: bool) -> str: ...
    def code_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], expected: Value) -> str: ...
    def precond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...]) -> str: ...
    def postcond_claim(self, task: VerinaTask, inputs: tuple[tuple[str, Value], ...], output: Value) -> str: ...
    def negation(self, claim: str) -> str: ...
    def fact(self, name: str, claim: str, header: str) -> Theorem: ...
    def proof_theorem(self, task: VerinaTask, header: str) -> Theorem: ...
    def proof_text(self, solution: Solution) -> str: ...
    def screen(self, task: VerinaTask, solution: Solution) -> str | None: ...


def backend_for(name: str) -> VerinaBackend:
    """The harness side of backend `name` (``coq`` or ``lean``)."""
    if name == "coq":
        from prover.tasks.verina.coq import CoqVerina

        return CoqVerina()
    if name == "lean":
        from prover.tasks.verina.lean import LeanVerina

        return LeanVerina()
    raise ConfigError(f"no Verina harness for backend {name!r}; available: coq, lean")


_TRUE = {"coq": ("True", "exact I."), "lean": ("True", "trivial")}


class Evaluator:
    """Runs the checks of one task's solutions in one env (kept warm across tasks)."""

    def __init__(self, env: Env, backend: VerinaBackend) -> None:
        self.env = env
        self.backend = backend

    def evaluate(self, task: VerinaTask, candidate: Solution | None = None) -> Evaluation:
        """Evaluate `candidate` (its non-empty sections over the reference's), or the reference."""
        start = time.monotonic()
        solution = task.reference if candidate is None else task.reference.merged(candidate)
        code = self._code(task, solution)
        spec = self._spec(task, solution)
        proof = self._proof(task, solution)
        return Evaluation(task.id, code, spec, proof, time.monotonic() - start)

    # -- the three parts ------------------------------------------------------------------
    def _prepare(self, task: VerinaTask, solution: Solution, sections: tuple[str, ...],
                 **parts: bool) -> tuple[str, str]:
        """(header, error): the stage's header and why it cannot be used ('' when it can)."""
        kept = Solution(**{f.name: getattr(solution, f.name) for f in fields(Solution)
                           if f.name in (*sections, "imports", "solution_aux", "precond_aux", "precond")})
        why = self.backend.screen(task, kept)
        if why is not None:
            return "", f"refused: {why}"
        header = self.backend.header(task, solution, **parts)
        claim, proof = _TRUE[self.backend.name]
        try:
            verdict = self.env.check(self.backend.fact("verina_compiles", claim, header), proof)
        except EnvInitError as exc:
            return header, f"does not compile: {exc}"
        return header, "" if verdict.accepted else f"does not compile: {verdict.reason}"

    def _code(self, task: VerinaTask, solution: Solution) -> CheckGroup:
        header, error = self._prepare(task, solution, CODE_SECTIONS, code=True, postcond=False, proof=False)
        if error:
            return CheckGroup(False, error=error)
        checks = tuple(self._decide(f"test {i}", f"verina_code_test_{i}", header,
                                    self.backend.code_claim(task, t.inputs, t.expected))
                       for i, t in enumerate(task.tests))
        return CheckGroup(True, checks)

    def _spec(self, task: VerinaTask, solution: Solution) -> SpecResult:
        b = self.backend
        header, error = self._prepare(task, solution, SPEC_SECTIONS[:2], code=False, postcond=False, proof=False)
        if error:
            failed = CheckGroup(False, error=error)
            return SpecResult(failed, failed, failed, failed)
        pre_sound = CheckGroup(True, tuple(
            self._decide(f"test {i}", f"verina_pre_sound_{i}", header, b.precond_claim(task, t.inputs))
            for i, t in enumerate(task.tests)))
        pre_complete = CheckGroup(True, tuple(
            self._decide(f"reject {i}", f"verina_pre_complete_{i}", header, b.precond_claim(task, r.inputs),
                         expect=False)
            for i, r in enumerate(task.reject_inputs)))
        header, error = self._prepare(task, solution, SPEC_SECTIONS, code=False, postcond=True, proof=False)
        if error:
            failed = CheckGroup(False, error=error)
            return SpecResult(pre_sound, pre_complete, failed, failed)
        post_complete = CheckGroup(True, tuple(
            self._decide(f"test {i}", f"verina_post_complete_{i}", header,
                         b.postcond_claim(task, t.inputs, t.expected))
            for i, t in enumerate(task.tests)))
        post_sound = CheckGroup(True, tuple(
            self._decide(f"test {i} unexpected {j}", f"verina_post_sound_{i}_{j}", header,
                         b.postcond_claim(task, t.inputs, wrong), expect=False)
            for i, t in enumerate(task.tests) for j, wrong in enumerate(t.unexpected)))
        return SpecResult(pre_sound, pre_complete, post_sound, post_complete)

    def _proof(self, task: VerinaTask, solution: Solution) -> ProofResult:
        sections = (*CODE_SECTIONS, *SPEC_SECTIONS, *PROOF_SECTIONS)
        header, error = self._prepare(task, solution, sections, code=True, postcond=True, proof=True)
        if error:
            return ProofResult(False, error)
        if not solution.proof.strip():
            return ProofResult(False, "there is no proof")
        verdict = self.env.check(self.backend.proof_theorem(task, header), self.backend.proof_text(solution))
        return ProofResult(verdict.accepted, verdict.reason, verdict.axioms)

    def _decide(self, label: str, name: str, header: str, claim: str, expect: bool = True) -> Check:
        """Prove `claim` or its negation: PASS when what is proved is what `expect` says."""
        proved = self.env.check(self.backend.fact(name, claim, header), self.backend.decide_proof)
        if proved.accepted:
            return Check(label, Outcome.PASS if expect else Outcome.FAIL, "" if expect else "it holds")
        refuted = self.env.check(self.backend.fact(f"{name}_neg", self.backend.negation(claim), header),
                                 self.backend.decide_proof)
        if refuted.accepted:
            return Check(label, Outcome.FAIL if expect else Outcome.PASS, "it does not hold" if expect else "")
        return Check(label, Outcome.UNKNOWN, f"undecided: {proved.reason}; negation: {refuted.reason}")


# -- pass@k ---------------------------------------------------------------------------------
def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimator 1 - C(n-c, k) / C(n, k) for c correct of n samples."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ConfigError(f"pass@k needs 0 <= c <= n and 1 <= k <= n; got n={n}, c={c}, k={k}")
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


METRICS = ("code", "spec", "proof", "all")


@dataclass(frozen=True, slots=True)
class SampleOutcome:
    """Which parts of one sample passed: what pass@k counts."""

    task_id: str
    index: int
    code: bool
    spec: bool
    proof: bool

    @property
    def all(self) -> bool:
        return self.code and self.spec and self.proof

    @classmethod
    def of(cls, evaluation: Evaluation, index: int) -> SampleOutcome:
        return cls(evaluation.task_id, index, evaluation.code_passed, evaluation.spec.passed,
                   evaluation.proof.accepted)


@dataclass(frozen=True, slots=True)
class PassAtK:
    metric: str
    """``code``, ``spec``, ``proof`` or ``all``."""
    k: int
    value: float
    """Mean over tasks of the unbiased estimator."""
    tasks: int


def pass_at_ks(outcomes: Iterable[SampleOutcome], ks: Iterable[int]) -> tuple[PassAtK, ...]:
    """pass@k for every metric and k, averaged over tasks (k above a task's sample count is skipped)."""
    by_task: dict[str, list[SampleOutcome]] = {}
    for outcome in outcomes:
        by_task.setdefault(outcome.task_id, []).append(outcome)
    results = []
    for k in ks:
        for metric in METRICS:
            values = [pass_at_k(len(samples), sum(getattr(s, metric) for s in samples), k)
                      for samples in by_task.values() if len(samples) >= k]
            if values:
                results.append(PassAtK(metric, k, sum(values) / len(values), len(values)))
    return tuple(results)


# -- running a set and recording it ----------------------------------------------------------
def sample_id(task_id: str, index: int) -> str:
    """The store's task id of sample `index` of `task_id`."""
    return f"{task_id}#{index}"


def stored_outcome(task_id: str, detail_json: str) -> SampleOutcome:
    """A sample's outcome back from its stored detail."""
    task, _, index = task_id.rpartition("#")
    detail = json.loads(detail_json)
    return SampleOutcome(task, int(index), bool(detail["code_passed"]), bool(detail["spec_passed"]),
                         bool(detail["proof_passed"]))


@dataclass(frozen=True, slots=True)
class Job:
    """One sample to evaluate: a task and a candidate (None: the reference solution)."""

    task: VerinaTask
    index: int
    candidate: Solution | None = None


def jobs_for(tasks: list[VerinaTask], candidates: list[tuple[str, Solution]] | None) -> list[Job]:
    """The reference of every task, or every candidate (numbered per task) of a known task."""
    if candidates is None:
        return [Job(task, 0) for task in tasks]
    by_id = {task.id: task for task in tasks}
    unknown = sorted({task_id for task_id, _ in candidates} - set(by_id))
    if unknown:
        raise ConfigError(f"candidates name tasks that are not in the task set: {', '.join(unknown[:5])}")
    counts: dict[str, int] = {}
    jobs = []
    for task_id, solution in candidates:
        counts[task_id] = counts.get(task_id, -1) + 1
        jobs.append(Job(by_id[task_id], counts[task_id], solution))
    return jobs


def run_jobs(jobs: list[Job], evaluator_for: Callable[[str], Evaluator], done: set[str],
             on_result: Callable[[Job, Evaluation], None]) -> None:
    """Evaluate every job whose sample id is not in `done`, calling `on_result` as each finishes."""
    for job in jobs:
        if sample_id(job.task.id, job.index) in done:
            continue
        on_result(job, evaluator_for(job.task.backend).evaluate(job.task, job.candidate))

