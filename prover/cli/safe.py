"""Safe: verify natural-language math solutions step by step and rank candidates (best-of-N).

  prover safe score FILE.jsonl [--json] [--aggregator rule|model --model M.pt] [--coq]
                    [--formaliser rule|hf|openai --formaliser-model DIR|NAME [--endpoint URL]]
                    [--db URL [--run-id ID]]
  prover safe train FILE.jsonl --out M.pt       fit the sequence aggregator on labelled solutions

FILE.jsonl is GSM8K's example_model_solutions format: per line a "question" and candidates
{"solution": "...\\nA: 18", "is_correct": ...} under any keys. With --db, every candidate's
result is recorded (task kind ``safe``, id ``PROBLEM/CANDIDATE``); --run-id resumes a run,
skipping the problems it already holds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from prover.cli.common import console, errors, migrated_store, reported_errors
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.store import Store
    from prover.tasks.safe import Aggregator, Formaliser, Problem, RankedCandidate, StepVerifier

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

TASK_KIND = "safe"
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
    formaliser: Annotated[Literal["rule", "hf", "openai"], typer.Option(
        help="Who turns steps into claims: `rule` (read from the text), `hf` (a local model, "
             "--formaliser-model DIR) or `openai` (a served model, --endpoint URL --formaliser-model NAME).")] = "rule",
    formaliser_model: Annotated[str | None, typer.Option(
        help="--formaliser hf: a Hugging Face model directory; openai: the served model's name.")] = None,
    endpoint: Annotated[str | None, typer.Option(
        help="--formaliser openai: the endpoint's base URL (e.g. http://127.0.0.1:8000/v1).")] = None,
    api_key: Annotated[str | None, typer.Option(
        envvar="OPENAI_API_KEY", help="--formaliser openai: the bearer token, if the endpoint wants one.")] = None,
    temperature: Annotated[float, typer.Option(
        min=0.0, help="Sampling temperature of a model formaliser (0: greedy).")] = 0.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens a model formaliser answers a step with.")] = 128,
    seed: Annotated[int | None, typer.Option(help="Seed of a model formaliser's sampling.")] = None,
    db: Annotated[str | None, typer.Option(
        help="Record every candidate's result in this store (SQLAlchemy URL).")] = None,
    run_id: Annotated[str | None, typer.Option(
        help="Resume this run of the store (skips the problems it holds).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per problem.")] = False,
) -> None:
    """Rank each problem's candidates, best first, with every step's classification."""
    from prover.tasks.safe import load_problems

    with reported_errors(), ExitStack() as stack:
        if run_id is not None and db is None:
            raise ConfigError("--run-id resumes a run of a store: give --db URL too")
        problems = load_problems(file)
        scorer = _aggregator(aggregator, model)
        form = _formaliser(stack, formaliser, formaliser_model, endpoint, api_key, temperature, max_tokens, seed)
        config = {"task": TASK_KIND, "file": str(file), "aggregator": aggregator, "model": str(model) if model else None,
                  "coq": coq, "timeout": timeout, "formaliser": formaliser, "formaliser_model": formaliser_model,
                  "endpoint": endpoint, "temperature": temperature, "max_tokens": max_tokens, "seed": seed}
        store, run, recorded = _open_run(db, run_id, config, problems)
        verifier = stack.enter_context(_verifier(coq, timeout, form))
        status = "failed"
        try:
            for problem in problems:
                stored = recorded.get(problem.id, [])
                if len(stored) == len(problem.candidates):
                    _print_stored(problem.id, stored, as_json, run)
                    continue
                ranked, costs = _score_problem(problem, verifier, scorer, form)
                if store is not None:
                    _record(store, run, problem.id, ranked, costs)
                if as_json:
                    print(json.dumps({"problem": problem.id,
                                      "ranking": [_ranked_json(r, costs[r.candidate.name]) for r in ranked]}))
                else:
                    _print_problem(problem.id, ranked)
            status = "finished"
        finally:
            if store is not None:
                store.finish_run(run, status)
                store.close()
                errors.print(f"results in run {run} of {db}", highlight=False)
    raise typer.Exit(0)


Cost = tuple[float, int]
"""Seconds and model tokens spent verifying one candidate."""


def _score_problem(problem: Problem, verifier: StepVerifier, scorer: Aggregator,
                   form: Formaliser) -> tuple[tuple[RankedCandidate, ...], dict[str, Cost]]:
    from prover.tasks.safe import rank_candidates

    reports, costs = [], {}
    for candidate in problem.candidates:
        started, before = time.monotonic(), _tokens(form)
        reports.append(verifier.verify_solution(problem.question, candidate.steps, candidate.answer))
        costs[candidate.name] = (time.monotonic() - started, _tokens(form) - before)
    return rank_candidates(problem, reports, scorer), costs


def _tokens(form: Formaliser) -> int:
    from prover.tasks.safe import LLMFormaliser

    return form.tokens if isinstance(form, LLMFormaliser) else 0


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


def _formaliser(stack: ExitStack, kind: str, name: str | None, endpoint: str | None, api_key: str | None,
                temperature: float, max_tokens: int, seed: int | None) -> Formaliser:
    from prover.policies.text import open_generator
    from prover.tasks.safe import LLMFormaliser, RuleFormaliser

    if kind == "rule":
        if name is not None or endpoint is not None:
            raise ConfigError("--formaliser-model and --endpoint are for --formaliser hf or openai")
        return RuleFormaliser()
    generator = stack.enter_context(closing(open_generator(
        kind, name, endpoint=endpoint, temperature=temperature, seed=seed, api_key=api_key,
        option="--formaliser-model")))
    return LLMFormaliser(generator, max_tokens)


@contextmanager
def _verifier(coq: bool, timeout: float, formaliser: Formaliser) -> Iterator[StepVerifier]:
    from prover.envs.open import open_env
    from prover.envs.smt import SmtLimits
    from prover.tasks.safe import CoqVerifier, StepVerifier, Z3Verifier

    z3_verifier = Z3Verifier(SmtLimits(seconds=timeout))
    if not coq:
        yield StepVerifier(formaliser=formaliser, primary=z3_verifier)
        return
    with open_env("coq") as env:
        yield StepVerifier(formaliser=formaliser, primary=z3_verifier, secondary=CoqVerifier(env), cross_check=True)


def _open_run(db: str | None, run_id: str | None, config: dict[str, object],
              problems: list[Problem]) -> tuple[Store | None, str, dict[str, list[dict[str, object]]]]:
    """The store, the run's id and the candidates it already holds, by problem (SQLAlchemy is
    imported only with --db)."""
    if db is None:
        return None, "", {}
    ids = [problem.id for problem in problems]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"problem ids repeat ({', '.join(twice[:5])}); the store keys results by problem "
                          'id: give each line a unique "id"')
    from prover.store import RunInfo
    from prover.store.provenance import code_version, machine

    store = migrated_store(db)
    try:
        run = store.start_run(RunInfo(id=run_id or "", config_json=json.dumps(config, sort_keys=True),
                                      code_version=code_version(), machine=machine()))
        recorded: dict[str, list[dict[str, object]]] = {}
        for result in store.task_results(run.id, TASK_KIND):
            detail = json.loads(result.detail_json)
            recorded.setdefault(str(detail["problem"]), []).append(detail)
    except BaseException:
        store.close()
        raise
    return store, run.id, recorded


def _record(store: Store, run: str, problem_id: str, ranked: tuple[RankedCandidate, ...],
            costs: dict[str, Cost]) -> None:
    from prover.store import TaskResultInfo

    for r in ranked:
        cost = costs[r.candidate.name]
        detail = json.dumps({"problem": problem_id, **_ranked_json(r, cost)}, sort_keys=True)
        store.record_task_result(TaskResultInfo(run, TASK_KIND, f"{problem_id}/{r.candidate.name}",
                                                r.report.status, detail, cost[0]))


def _print_stored(problem_id: str, stored: list[dict[str, object]], as_json: bool, run: str) -> None:
    ranking = sorted(({k: v for k, v in d.items() if k != "problem"} for d in stored),
                     key=lambda d: int(str(d["rank"])))
    if as_json:
        print(json.dumps({"problem": problem_id, "ranking": ranking, "resumed": True}))
        return
    console.print(f"[bold]{escape(problem_id)}[/] already scored in run {run}:", highlight=False)
    for d in ranking:
        console.print(escape(f"  {d['rank']}. {d['candidate']}: score {d['score']}, answer {d['answer']}, "
                             f"{d['status']}"), highlight=False)


def _ranked_json(r: RankedCandidate, cost: Cost) -> dict[str, object]:
    return {
        "candidate": r.candidate.name, "rank": r.rank, "score": round(r.score, 6), "votes": r.votes,
        "answer": r.candidate.answer, "is_correct": r.candidate.is_correct, "status": r.report.status,
        "seconds": round(cost[0], 3), "tokens": cost[1],
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
