"""REFUTE: judge counterexamples to wrong programs, and search for them.

  prover refute check TASK --input FILE [--json]     exit 0: a counterexample, 1: not, 2: bad input
  prover refute run TASK_OR_DIR [--rounds N] [--k K] [--writer attempts|stress] [--db URL]
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prover.cli.common import console, reported_errors
from prover.errors import ConfigError
from prover.sandbox import Sandbox
from prover.tasks.refute import (
    JudgeSettings,
    Outcome,
    RefuteTask,
    ScriptedWriter,
    TaskScore,
    judge,
    load_tasks,
    refute,
    stress_test,
)

if TYPE_CHECKING:
    from prover.store import Store

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)

WRITERS = ("attempts", "stress")


def _one_task(path: Path) -> RefuteTask:
    tasks = load_tasks(path)
    if len(tasks) != 1:
        raise ConfigError(f"{path} holds {len(tasks)} tasks; `check` takes one (a task folder or its task.json)")
    return tasks[0]


@app.command("check")
def check(
    task: Annotated[Path, typer.Argument(help="A task folder (with task.json) or a REFUTE record (.json).")],
    input_file: Annotated[Path, typer.Option("--input", "-i", help="The candidate input (`-` reads stdin).")],
    runs: Annotated[int, typer.Option(help="Runs of the wrong program before concluding it agrees.")] = 5,
    time_limit: Annotated[float | None, typer.Option(
        help="CPU seconds for the wrong program (default: the task's limit; the released evaluator uses 20).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the judgement as JSON.")] = False,
) -> None:
    """Judge whether an input is a counterexample, as the benchmark does."""
    with reported_errors():
        refute_task = _one_task(task)
        text = _read_input(input_file)
        with Sandbox() as sandbox:
            judgement = judge(refute_task, text, sandbox, JudgeSettings(runs=runs, time_limit_seconds=time_limit))
    if as_json:
        print(json.dumps({"problem_id": refute_task.problem_id, **asdict(judgement)}))
    else:
        mark = "[bold green]counterexample[/]" if judgement.counterexample else "[bold red]not a counterexample[/]"
        console.print(f"{mark} {refute_task.problem_id} ({judgement.kind}, {judgement.seconds:.2f}s): "
                      f"{judgement.reason}", highlight=False, markup=True)
    raise typer.Exit(0 if judgement.counterexample else 1)


def _read_input(path: Path) -> str:
    if str(path) == "-":
        return typer.get_text_stream("stdin").read()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the input file {path}: {exc}") from exc


@app.command("run")
def run(
    tasks_path: Annotated[Path, typer.Argument(
        metavar="TASK_OR_DIR", help="A task folder, a folder of task folders, a .json record or a .jsonl file.")],
    writer: Annotated[str, typer.Option(
        help="Who writes input generators: `attempts` (the programs in each task's attempts/ folder, in "
             "order) or `stress` (the random-input baseline; needs the task's `generator`).")] = "attempts",
    rounds: Annotated[int, typer.Option(help="Generator programs per attempt, each told why the last failed.")] = 3,
    k: Annotated[int, typer.Option(help="Independent attempts per task; pass@k is reported.")] = 1,
    tries: Annotated[int, typer.Option(help="Random inputs per attempt for --writer stress.")] = 200,
    budget: Annotated[float, typer.Option(help="Seconds per stress-test attempt.")] = 60.0,
    db: Annotated[str | None, typer.Option(help="Store URL to record results in (e.g. sqlite:///prover.db).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line per task.")] = False,
) -> None:
    """Search for counterexamples and report pass@k (recorded in the store with --db)."""
    with reported_errors():
        if writer not in WRITERS:
            raise ConfigError(f"--writer {writer!r} is not one of {', '.join(WRITERS)} (LLM writers are not wired yet)")
        if k < 1 or rounds < 1 or tries < 1:
            raise ConfigError("--k, --rounds and --tries must be at least 1")
        tasks = load_tasks(tasks_path)
        store, run_id = _open_run(db, {"task": "refute", "writer": writer, "rounds": rounds, "k": k,
                                       "tries": tries, "tasks": str(tasks_path)})
        scores = []
        status = "failed"
        try:
            with Sandbox() as sandbox:
                if not as_json:
                    console.print(f"sandbox: {sandbox.isolation.describe()}", highlight=False)
                for task in tasks:
                    outcomes = [_attempt(task, writer, sandbox, rounds, tries, budget) for _ in range(k)]
                    score = TaskScore.of(task.problem_id, outcomes, k)
                    scores.append(score)
                    _record(store, run_id, score, outcomes)
                    _print(score, as_json)
            status = "finished"
        finally:
            if store is not None:
                store.finish_run(run_id, status)
                store.close()
    if not as_json:
        solved = sum(score.solved > 0 for score in scores)
        console.print(f"pass@{k}: {sum(s.pass_at_k for s in scores) / len(scores):.3f} "
                      f"({solved}/{len(scores)} tasks solved)", highlight=False)
    raise typer.Exit(0)


def _attempt(task: RefuteTask, writer: str, sandbox: Sandbox, rounds: int, tries: int, budget: float) -> Outcome:
    if writer == "stress":
        return stress_test(task, sandbox, tries=tries, budget_seconds=budget)
    return refute(task, ScriptedWriter.from_folder(task), sandbox, rounds=rounds)


def _open_run(db: str | None, config: dict[str, object]) -> tuple[Store | None, str]:
    """The store and a new run's id when --db is given (SQLAlchemy is imported only then)."""
    if db is None:
        return None, ""
    from prover.store import RunInfo, open_store

    store = open_store(db)
    store.migrate()
    started = store.start_run(RunInfo(config_json=json.dumps(config, sort_keys=True), machine=platform.node()))
    return store, started.id


def _record(store: Store | None, run_id: str, score: TaskScore, outcomes: list[Outcome]) -> None:
    if store is None:
        return
    from prover.store import TaskResultInfo

    store.record_task_result(TaskResultInfo(run_id, "refute", score.problem_id, score.status,
                                            score.detail_json(outcomes), score.seconds))


def _print(score: TaskScore, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(score)))
        return
    mark = "[bold green]solved[/]" if score.solved else "[bold red]failed[/]"
    console.print(f"{mark} {score.problem_id}: {score.solved}/{score.n} attempts, pass@{score.k} "
                  f"{score.pass_at_k:.2f} ({score.seconds:.1f}s)", highlight=False)
