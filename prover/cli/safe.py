"""Safe: verify natural-language math solutions step by step and rank candidates (best-of-N).

  prover safe score FILE.jsonl [--json] [--aggregator rule|model --model M.pt] [--coq]
  prover safe train FILE.jsonl --out M.pt       fit the sequence aggregator on labelled solutions

FILE.jsonl is GSM8K's example_model_solutions format: per line a "question" and candidates
{"solution": "...\\nA: 18", "is_correct": ...} under any keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from prover.cli.common import console, reported_errors
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.tasks.safe import Aggregator, RankedCandidate, StepVerifier

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

_MARK = {"proved": "[green]proved[/]", "refuted": "[bold red]refuted[/]",
         "no_verification": "[dim]no verification needed[/]",
         "formalisation_failed": "[yellow]formalisation failed[/]", "undecided": "[yellow]undecided[/]"}


@app.command("score")
def score(
    file: Annotated[Path, typer.Argument(help="A .jsonl of problems with candidate solutions.")],
    aggregator: Annotated[Literal["rule", "model"], typer.Option(
        help="`rule`: penalties per refuted/unformalised step; `model`: a GRU from `prover safe train`.")] = "rule",
    model: Annotated[Path | None, typer.Option(help="The trained aggregator for --aggregator model.")] = None,
    coq: Annotated[bool, typer.Option(help="Also check every claim with Coq (lia/nia, lra/field/nra).")] = False,
    timeout: Annotated[float, typer.Option(min=0.01, help="Seconds Z3 may spend on one claim.")] = 2.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per problem.")] = False,
) -> None:
    """Rank each problem's candidates, best first, with every step's classification."""
    from prover.tasks.safe import load_problems, rank_candidates, verify_problem

    with reported_errors():
        problems = load_problems(file)
        scorer = _aggregator(aggregator, model)
        with _verifier(coq, timeout) as verifier:
            for problem in problems:
                ranked = rank_candidates(problem, verify_problem(problem, verifier), scorer)
                if as_json:
                    print(json.dumps({"problem": problem.id, "ranking": [_ranked_json(r) for r in ranked]}))
                else:
                    _print_problem(problem.id, ranked)
    raise typer.Exit(0)


@app.command("train")
def train(
    file: Annotated[Path, typer.Argument(help="A .jsonl whose candidates carry is_correct labels.")],
    out: Annotated[Path, typer.Option(help="Where to save the trained aggregator (.pt).")],
    epochs: Annotated[int, typer.Option(min=1, help="Full-batch training epochs.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (training is deterministic for a seed).")] = 0,
) -> None:
    """Fit the GRU aggregator on every labelled candidate of FILE and save it."""
    from prover.tasks.safe import SequenceAggregator, StepVerifier, load_problems

    with reported_errors():
        problems = load_problems(file)
        verifier = StepVerifier()
        reports, labels = [], []
        for problem in problems:
            for cand in problem.candidates:
                if cand.is_correct is not None:
                    reports.append(verifier.verify_solution(problem.question, cand.steps, cand.answer))
                    labels.append(cand.is_correct)
        if not reports:
            raise ConfigError(f'{file}: no candidate has an "is_correct" label to learn from')
        SequenceAggregator.train(reports, labels, epochs=epochs, seed=seed).save(out)
        console.print(f"trained on {len(reports)} solutions ({sum(labels)} correct); saved {out}", highlight=False)


def _aggregator(kind: str, model: Path | None) -> Aggregator:
    from prover.tasks.safe import RuleAggregator, SequenceAggregator

    if kind == "rule":
        if model is not None:
            raise ConfigError("--model is only for --aggregator model")
        return RuleAggregator()
    if model is None:
        raise ConfigError("--aggregator model needs --model M.pt (train one with `prover safe train FILE --out M.pt`)")
    return SequenceAggregator.load(model)


@contextmanager
def _verifier(coq: bool, timeout: float) -> Iterator[StepVerifier]:
    from prover.envs.open import open_env
    from prover.envs.smt import SmtLimits
    from prover.tasks.safe import CoqVerifier, StepVerifier, Z3Verifier

    z3_verifier = Z3Verifier(SmtLimits(seconds=timeout))
    if not coq:
        yield StepVerifier(primary=z3_verifier)
        return
    with open_env("coq") as env:
        yield StepVerifier(primary=z3_verifier, secondary=CoqVerifier(env), cross_check=True)


def _ranked_json(r: RankedCandidate) -> dict[str, object]:
    return {
        "candidate": r.candidate.name, "rank": r.rank, "score": round(r.score, 6), "votes": r.votes,
        "answer": r.candidate.answer, "is_correct": r.candidate.is_correct,
        "steps": [{"text": s.text, "status": s.status, "note": s.note, "failures": list(s.failures),
                   "assumptions": [str(a) for a in s.assumptions],
                   "claims": [{"claim": str(c.claim), "source": c.claim.source, "outcome": c.outcome,
                               "evidence": [{"backend": e.backend, "outcome": e.outcome, "detail": e.detail}
                                            for e in c.evidence]} for c in s.checks]}
                  for s in r.report.steps],
    }


def _print_problem(problem_id: str, ranked: tuple[RankedCandidate, ...]) -> None:
    console.print(f"[bold]{escape(problem_id)}[/]", highlight=False)
    for r in ranked:
        known = "" if r.candidate.is_correct is None else (" (labelled correct)" if r.candidate.is_correct
                                                           else " (labelled incorrect)")
        console.print(f"  {r.rank}. {r.candidate.name}: score {r.score:.3f}, answer {r.candidate.answer}, "
                      f"{r.votes} vote(s){known}", highlight=False)
        for i, step in enumerate(r.report.steps, 1):
            console.print(f"     step {i}: {_MARK[step.status]}  {escape(step.text)}", highlight=False)
            for check in step.checks:
                if check.outcome != "proved":
                    details = "; ".join(f"{e.backend}: {e.detail}" for e in check.evidence)
                    console.print(escape(f"       {check.claim}  [{check.outcome}] {details}"), highlight=False)
            for failure in (*step.failures, *((step.note,) if step.note else ())):
                console.print(f"       {escape(failure)}", highlight=False)
