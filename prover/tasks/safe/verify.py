"""Step-by-step verification of a solution: formalise each step, check each claim, classify the step.

A step is *proved* when every claim in it is proved, *refuted* when a backend refutes one
of its claims (or its assumptions contradict earlier ones), *formalisation_failed* when
part of it looked like a claim but could not be formalised, *undecided* when a backend
gave up (or two backends disagree), and *no_verification* when it states nothing
checkable. The first backend is asked first; a second one is asked when the first gives
up, or always with ``cross_check`` (its refutation is then checked at the first one's
counter-model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from prover.tasks.safe.backends import Evidence, Outcome, Verifier, Z3Verifier, consistent
from prover.tasks.safe.expr import Claim, Relation
from prover.tasks.safe.formalise import Formaliser, RuleFormaliser, StepContext

StepStatus = Literal["proved", "refuted", "no_verification", "formalisation_failed", "undecided"]
STEP_STATUSES: tuple[StepStatus, ...] = ("proved", "refuted", "no_verification", "formalisation_failed",
                                         "undecided")
_SEVERITY: tuple[StepStatus, ...] = ("refuted", "formalisation_failed", "undecided", "proved", "no_verification")


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    claim: Claim
    outcome: Outcome
    evidence: tuple[Evidence, ...]

    @property
    def confirmed(self) -> bool:
        """Two backends reached the same verdict."""
        return sum(e.outcome == self.outcome for e in self.evidence) >= 2


@dataclass(frozen=True, slots=True)
class StepReport:
    text: str
    status: StepStatus
    checks: tuple[ClaimCheck, ...] = ()
    assumptions: tuple[Relation, ...] = ()
    failures: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SolutionReport:
    steps: tuple[StepReport, ...]
    answer: str | None = None

    @property
    def status(self) -> StepStatus:
        """The solution's worst step: refuted, then formalisation_failed, undecided, proved, no_verification."""
        found = {step.status for step in self.steps}
        return next((s for s in _SEVERITY if s in found), "no_verification")


@dataclass(frozen=True)
class StepVerifier:
    """A formaliser and one or two backends (the Coq one needs an env the caller keeps open)."""

    formaliser: Formaliser = field(default_factory=RuleFormaliser)
    primary: Verifier = field(default_factory=Z3Verifier)
    secondary: Verifier | None = None
    cross_check: bool = False

    def verify_solution(self, question: str, steps: Sequence[str], answer: str | None = None) -> SolutionReport:
        reports: list[StepReport] = []
        assumptions: tuple[Relation, ...] = ()
        for i, step in enumerate(steps):
            context = StepContext(question, tuple(steps[:i]), assumptions)
            report = self.verify_step(step, context)
            if report.status != "refuted":
                assumptions += report.assumptions
            reports.append(report)
        return SolutionReport(tuple(reports), answer)

    def verify_step(self, step: str, context: StepContext) -> StepReport:
        form = self.formaliser.formalise(step, context)
        if form.assumptions and not consistent((*context.assumptions, *form.assumptions)):
            return StepReport(step, "refuted", (), form.assumptions, form.failures,
                              "its assumptions contradict the earlier ones")
        checks = tuple(self._check(claim) for claim in form.claims)
        outcomes = {c.outcome for c in checks}
        status: StepStatus
        if "refuted" in outcomes:
            status = "refuted"
        elif form.failures:
            status = "formalisation_failed"
        elif "undecided" in outcomes:
            status = "undecided"
        else:
            status = "proved" if checks else "no_verification"
        return StepReport(step, status, checks, form.assumptions, form.failures)

    def _check(self, claim: Claim) -> ClaimCheck:
        first = self.primary.verify(claim)
        evidence = [first]
        if self.secondary is not None and (self.cross_check or first.outcome == "undecided"):
            evidence.append(self.secondary.verify(claim, first.counter_model))
        said = {e.outcome for e in evidence}
        outcome: Outcome
        if {"proved", "refuted"} <= said:
            outcome = "undecided"  # the backends disagree: trust neither
        elif "proved" in said:
            outcome = "proved"
        else:
            outcome = "refuted" if "refuted" in said else "undecided"
        return ClaimCheck(claim, outcome, tuple(evidence))
