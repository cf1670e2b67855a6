"""Best-of-N: verify every candidate of a problem, score it, rank the candidates.

Candidates are ordered by aggregator score; equal scores are broken by how many
candidates reach the same final answer (agreement), then by name, so the order is
deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from prover.tasks.safe.aggregate import Aggregator
from prover.tasks.safe.records import Candidate, Problem
from prover.tasks.safe.verify import SolutionReport, StepVerifier


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    candidate: Candidate
    report: SolutionReport
    score: float
    votes: int
    """Candidates of the same problem with the same final answer (itself included)."""
    rank: int
    """1 for the best."""


def verify_problem(problem: Problem, verifier: StepVerifier) -> list[SolutionReport]:
    return [verifier.verify_solution(problem.question, c.steps, c.answer) for c in problem.candidates]


def rank_candidates(problem: Problem, reports: Sequence[SolutionReport],
                    aggregator: Aggregator) -> tuple[RankedCandidate, ...]:
    votes = Counter(c.answer for c in problem.candidates if c.answer is not None)
    scored = [(aggregator.score(r), votes.get(c.answer, 0) if c.answer is not None else 0, c, r)
              for c, r in zip(problem.candidates, reports, strict=True)]
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].name))
    return tuple(RankedCandidate(c, r, score, vote, i) for i, (score, vote, c, r) in enumerate(scored, 1))
