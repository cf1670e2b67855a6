"""Verina code-spec-proof tasks: check one solution, or evaluate a task set with pass@k.

  prover verina check TASK_DIR [--code FILE] [--spec FILE] [--proof FILE] [--json]
  prover verina eval DIR [--candidates FILE.jsonl] [--k 1 --k 5] [--db URL] [--run-id ID] [--json]
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prover.cli.common import console, migrated_store, reported_errors
from prover.envs.limits import Limits
from prover.errors import ConfigError

if TYPE_CHECKING:
    from prover.store.store import Store
    from prover.tasks.verina import Check, Evaluation, Evaluator, PassAtK, SampleOutcome, Solution
    from prover.tasks.verina.evaluate import Job

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

_BACKEND_HELP = "coq or lean (default: the task file the folder has, task.lean first)."


def _read(path: Path | None, option: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot read it ({exc.strerror})") from exc


def _candidate(code: Path | None, spec: Path | None, proof: Path | None) -> Solution | None:
    from prover.tasks.verina.task import Solution, candidate_from_text

    parts = [(code, "--code", "code"), (spec, "--spec", "postcond"), (proof, "--proof", "proof")]
    candidate = Solution()
    given = False
    for path, option, default in parts:
        text = _read(path, option)
        if text is None:
            continue
        given = True
        if option == "--spec" and "!benchmark" not in text:
            raise ConfigError("--spec needs `!benchmark @start precond`/`postcond` sections (see the task file)")
        candidate = candidate.merged(candidate_from_text(text, default, str(path)))
    return candidate if given else None


def _evaluator(backend: str, timeout: float) -> Evaluator:
    from prover.envs.open import open_env
    from prover.tasks.verina import Evaluator, backend_for

    harness = backend_for(backend)
    return Evaluator(open_env(backend, Limits(proof_seconds=timeout)), harness)


def _print_evaluation(evaluation: Evaluation) -> None:
    def mark(ok: bool) -> str:
        return "[bold green]pass[/]" if ok else "[bold red]fail[/]"

    console.print(f"{evaluation.task_id} ({evaluation.seconds:.1f}s)", highlight=False)
    code = evaluation.code
    console.print(f"  code   {mark(evaluation.code_passed)}  {code.error or _counts(code.checks)}", highlight=False)
    spec = evaluation.spec
    console.print(f"  spec   {mark(spec.passed)}", highlight=False)
    for name in ("precond_sound", "precond_complete", "postcond_sound", "postcond_complete"):
        group = getattr(spec, name)
        console.print(f"    {name:<18} {group.outcome.value:<8} {group.error or _counts(group.checks)}",
                      highlight=False)
    proof = evaluation.proof
    console.print(f"  proof  {mark(proof.accepted)}  {'' if proof.accepted else proof.reason}", highlight=False)


def _counts(checks: tuple[Check, ...]) -> str:
    bad = [f"{c.name}: {c.outcome.value}" for c in checks if c.outcome.value != "pass"]
    summary = f"{len(checks) - len(bad)}/{len(checks)} checks pass"
    return summary + ("; " + "; ".join(bad[:3]) if bad else "")


@app.command("check")
def check(
    task_dir: Annotated[Path, typer.Argument(help="A Verina task folder (task.json, task.lean or task.v, tests).")],
    code: Annotated[Path | None, typer.Option(help="The code: a file with `!benchmark` sections (code, "
                                                   "code_aux), or the function body alone.")] = None,
    spec: Annotated[Path | None, typer.Option(help="The specification: a file with precond/postcond "
                                                   "(and _aux) `!benchmark` sections.")] = None,
    proof: Annotated[Path | None, typer.Option(help="The proof: a file with proof/proof_aux sections, "
                                                    "or the proof script alone.")] = None,
    backend: Annotated[str | None, typer.Option(help=_BACKEND_HELP)] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds for each check.")] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as one JSON object.")] = False,
) -> None:
    """Evaluate a solution's code, spec and proof (the reference's for the parts not given); exit 0 if all pass."""
    from prover.tasks.verina import load_task

    with reported_errors():
        task = load_task(task_dir, backend)
        candidate = _candidate(code, spec, proof)
        evaluator = _evaluator(task.backend, timeout)
        with evaluator.env:
            evaluation = evaluator.evaluate(task, candidate)
    if as_json:
        print(evaluation.to_json())
    else:
        _print_evaluation(evaluation)
    raise typer.Exit(0 if evaluation.passed else 1)


@app.command("eval")
def evaluate(
    root: Annotated[Path, typer.Argument(help="A folder of Verina task folders (or one task folder).")],
    candidates: Annotated[Path | None, typer.Option(
        help="Solutions to evaluate, one JSON object per line: {\"task_id\": ..., \"code\": ..., \"precond\": ..., "
             "\"postcond\": ..., \"proof\": ..., \"*_aux\": ...}; several lines per task are samples for pass@k. "
             "Default: each task's reference solution.")] = None,
    k: Annotated[list[int] | None, typer.Option("--k", min=1, help="pass@k to report (repeatable; default 1).")] = None,
    backend: Annotated[str | None, typer.Option(help=_BACKEND_HELP)] = None,
    db: Annotated[str | None, typer.Option(help="Record results in this store (SQLAlchemy URL).")] = None,
    run_id: Annotated[str | None, typer.Option(help="Resume this run of the store (skips recorded samples).")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds for each check.")] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per sample, then pass@k.")] = False,
) -> None:
    """Evaluate the reference solutions (or candidates) of a task set: per-sample results and pass@k."""
    from prover.tasks.verina import load_candidates, load_tasks
    from prover.tasks.verina.evaluate import SampleOutcome, jobs_for, pass_at_ks, run_jobs

    with reported_errors():
        if run_id is not None and db is None:
            raise ConfigError("--run-id resumes a run of a store: give --db URL too")
        tasks = load_tasks(root, backend)
        pairs = None if candidates is None else [(c.task_id, c.solution) for c in load_candidates(candidates)]
        jobs = jobs_for(tasks, pairs)
        store, run, outcomes = _open_run(db, run_id, root, candidates)
        done = {f"{o.task_id}#{o.index}" for o in outcomes}
        evaluators: dict[str, Evaluator] = {}

        def evaluator_for(name: str) -> Evaluator:
            if name not in evaluators:
                evaluators[name] = _evaluator(name, timeout)
            return evaluators[name]

        def on_result(job: Job, evaluation: Evaluation) -> None:
            index = job.index
            outcomes.append(SampleOutcome.of(evaluation, index))
            if store is not None:
                _record(store, run, evaluation, index)
            if as_json:
                print(json.dumps({"index": index, **json.loads(evaluation.to_json())}))
            else:
                _print_evaluation(evaluation)

        try:
            run_jobs(jobs, evaluator_for, done, on_result)
        finally:
            for evaluator in evaluators.values():
                evaluator.env.close()
            if store is not None:
                store.finish_run(run)
                store.close()
        results = pass_at_ks(outcomes, k or [1])
    _print_pass_at_k(results, as_json, run)
    raise typer.Exit(0 if all(o.all for o in outcomes) else 1)


def _open_run(db: str | None, run_id: str | None, root: Path,
              candidates: Path | None) -> tuple[Store | None, str, list[SampleOutcome]]:
    """The store, the run id and the outcomes it already holds (none without a store)."""
    if db is None:
        return None, "", []
    from prover.store.provenance import code_version, machine
    from prover.store.store import RunInfo
    from prover.tasks.verina.evaluate import stored_outcome

    store = migrated_store(db)
    config = json.dumps({"task": "verina", "root": str(root), "candidates": str(candidates) if candidates else None})
    run = store.start_run(RunInfo(id=run_id or "", config_json=config, code_version=code_version(),
                                  machine=machine()))
    outcomes = [stored_outcome(r.task_id, r.detail_json) for r in store.task_results(run.id, "verina")]
    return store, run.id, outcomes


def _record(store: Store, run: str, evaluation: Evaluation, index: int) -> None:
    from prover.store.store import TaskResultInfo
    from prover.tasks.verina.evaluate import sample_id

    status = "passed" if evaluation.passed else "failed"
    store.record_task_result(TaskResultInfo(
        run, "verina", sample_id(evaluation.task_id, index), status, evaluation.to_json(), evaluation.seconds))


def _print_pass_at_k(results: tuple[PassAtK, ...], as_json: bool, run: str) -> None:
    if as_json:
        print(json.dumps({"run_id": run or None, "pass_at_k": [asdict(r) for r in results]}))
        return
    for r in results:
        console.print(f"pass@{r.k} {r.metric:<6} {r.value:.3f} over {r.tasks} tasks", highlight=False)
    if run:
        console.print(f"run {run}", highlight=False)
