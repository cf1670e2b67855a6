"""How well verification finds wrong steps and ranks candidates, on step-annotated problems.

A step is *flagged* when it is refuted; it is *wrong* when its label is not ``correct``.
Precision and recall are over all labelled steps. Ranking quality is measured per problem
that has both correct and incorrect candidates: pairwise accuracy (the share of
(correct, incorrect) pairs scored in the right order, a tie counting half) and top-1
accuracy (the best-ranked candidate is correct). The sequence model is judged by
leave-one-problem-out: for each problem, a model trained on every other problem scores it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from prover.tasks.safe.aggregate import Aggregator, SequenceAggregator
from prover.tasks.safe.records import Problem, StepLabel
from prover.tasks.safe.verify import SolutionReport


@dataclass(frozen=True, slots=True)
class Detection:
    flagged_wrong: int
    flagged_correct: int
    missed: int
    """Wrong steps not flagged."""

    @property
    def precision(self) -> float:
        flagged = self.flagged_wrong + self.flagged_correct
        return self.flagged_wrong / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        wrong = self.flagged_wrong + self.missed
        return self.flagged_wrong / wrong if wrong else 0.0


@dataclass(frozen=True, slots=True)
class Ranking:
    pairwise: float
    top1: float
    problems: int
    """Problems with both correct and incorrect candidates (the others say nothing about ranking)."""


def detection(problems: Sequence[Problem], reports: Sequence[Sequence[SolutionReport]],
              wrong: frozenset[StepLabel] = frozenset({"arithmetic", "algebra", "reasoning"})) -> Detection:
    """Refuted steps against the labels; steps labelled outside `wrong` and not `correct` are left out."""
    tp = fp = fn = 0
    for problem, problem_reports in zip(problems, reports, strict=True):
        for cand, report in zip(problem.candidates, problem_reports, strict=True):
            for label, step in zip(cand.step_labels or (), report.steps, strict=False):
                flagged = step.status == "refuted"
                if label == "correct":
                    fp += flagged
                elif label in wrong:
                    tp += flagged
                    fn += not flagged
    return Detection(tp, fp, fn)


def ranking(problems: Sequence[Problem], scores: Sequence[Sequence[float]]) -> Ranking:
    pair_hits = pairs = top_hits = counted = 0.0
    for problem, problem_scores in zip(problems, scores, strict=True):
        labelled = [(s, c.is_correct) for c, s in zip(problem.candidates, problem_scores, strict=True)
                    if c.is_correct is not None]
        good = [s for s, ok in labelled if ok]
        bad = [s for s, ok in labelled if not ok]
        if not good or not bad:
            continue
        counted += 1
        for g in good:
            for b in bad:
                pairs += 1
                pair_hits += 1.0 if g > b else 0.5 if g == b else 0.0
        best = max(s for s, _ in labelled)
        winners = [ok for s, ok in labelled if s == best]
        top_hits += sum(winners) / len(winners)  # a tie at the top is a fair draw among the tied
    return Ranking(pair_hits / pairs if pairs else 0.0, top_hits / counted if counted else 0.0, int(counted))


def aggregator_scores(aggregator: Aggregator, reports: Sequence[Sequence[SolutionReport]]) -> list[list[float]]:
    return [[aggregator.score(r) for r in problem_reports] for problem_reports in reports]


def leave_one_problem_out(problems: Sequence[Problem], reports: Sequence[Sequence[SolutionReport]],
                          train: Callable[[list[SolutionReport], list[bool]], SequenceAggregator]
                          = SequenceAggregator.train) -> list[list[float]]:
    """Scores of each problem's candidates by a model trained on all the other problems."""
    out = []
    for held in range(len(problems)):
        xs: list[SolutionReport] = []
        ys: list[bool] = []
        for i, (problem, problem_reports) in enumerate(zip(problems, reports, strict=True)):
            if i == held:
                continue
            for cand, report in zip(problem.candidates, problem_reports, strict=True):
                if cand.is_correct is not None:
                    xs.append(report)
                    ys.append(cand.is_correct)
        out.append(train(xs, ys).scores(reports[held]))
    return out
