"""REFUTE: judge counterexamples to wrong programs, and search for them.

  prover refute check TASK --input FILE [--json]     exit 0: a counterexample, 1: not, 2: bad input
  prover refute run TASK_OR_DIR [--rounds N] [--k K] [--writer attempts|stress] [--db URL]
  prover refute run TASK_OR_DIR --writer hf --model DIR [--temperature T] [--max-tokens N] [--seed S]
  prover refute run TASK_OR_DIR --writer openai --endpoint URL --model NAME [--api-key KEY]
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prover.cli.common import console, migrated_store, reported_errors
from prover.errors import ConfigError
from prover.sandbox import Sandbox
from prover.tasks.refute import (
    JudgeSettings,
    LLMWriter,
    Outcome,
    ProgramWriter,
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

WRITERS = ("attempts", "stress", "hf", "openai")
MODEL_WRITERS = ("hf", "openai")


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
             "order), `stress` (the random-input baseline; needs the task's `generator`), `hf` (a local "
             "model, --model DIR) or `openai` (a served model, --endpoint URL --model NAME).")] = "attempts",
    rounds: Annotated[int, typer.Option(help="Generator programs per attempt, each told why the last failed.")] = 3,
    k: Annotated[int, typer.Option(help="Independent attempts per task; pass@k is reported.")] = 1,
    tries: Annotated[int, typer.Option(help="Random inputs per attempt for --writer stress.")] = 200,
    budget: Annotated[float, typer.Option(help="Seconds per stress-test attempt.")] = 60.0,
    model: Annotated[str | None, typer.Option(
        help="--writer hf: a Hugging Face model directory; --writer openai: the served model's name.")] = None,
    endpoint: Annotated[str | None, typer.Option(
        help="--writer openai: the endpoint's base URL (e.g. http://127.0.0.1:8000/v1).")] = None,
    api_key: Annotated[str | None, typer.Option(
        envvar="OPENAI_API_KEY", help="--writer openai: the bearer token, if the endpoint wants one.")] = None,
    temperature: Annotated[float, typer.Option(
        min=0.0, help="Sampling temperature of a model writer (0: greedy, every attempt alike).")] = 1.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens a model writer answers with.")] = 1024,
    seed: Annotated[int | None, typer.Option(help="Seed of a model writer's sampling (reproducible runs).")] = None,
    db: Annotated[str | None, typer.Option(help="Store URL to record results in (e.g. sqlite:///prover.db).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line per task.")] = False,
) -> None:
    """Search for counterexamples and report pass@k (recorded in the store with --db)."""
    with reported_errors(), ExitStack() as stack:
        if writer not in WRITERS:
            raise ConfigError(f"--writer {writer!r} is not one of {', '.join(WRITERS)}")
        if writer not in MODEL_WRITERS and (model is not None or endpoint is not None):
            raise ConfigError(f"--model and --endpoint are for --writer hf or openai, not {writer}")
        if k < 1 or rounds < 1 or tries < 1:
            raise ConfigError("--k, --rounds and --tries must be at least 1")
        tasks = load_tasks(tasks_path)
        new_writer = _writer_factory(writer, stack, model, endpoint, api_key, temperature, max_tokens, seed)
        config: dict[str, object] = {"task": "refute", "writer": writer, "rounds": rounds, "k": k, "tries": tries,
                                     "tasks": str(tasks_path)}
        if writer in MODEL_WRITERS:
            config |= {"model": model, "endpoint": endpoint, "temperature": temperature, "max_tokens": max_tokens,
                       "seed": seed}
        store, run_id = _open_run(db, config)
        scores = []
        status = "failed"
        try:
            with Sandbox() as sandbox:
                if not as_json:
                    console.print(f"sandbox: {sandbox.isolation.describe()}", highlight=False)
                for task in tasks:
                    attempts = [_attempt(task, new_writer, sandbox, rounds, tries, budget) for _ in range(k)]
                    outcomes = [outcome for outcome, _ in attempts]
                    score = TaskScore.of(task.problem_id, outcomes, k, sum(tokens for _, tokens in attempts))
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


WriterFactory = Callable[[RefuteTask], ProgramWriter] | None
"""A fresh writer for each attempt at a task; None for the stress baseline, which writes nothing."""


def _writer_factory(writer: str, stack: ExitStack, model: str | None, endpoint: str | None, api_key: str | None,
                    temperature: float, max_tokens: int, seed: int | None) -> WriterFactory:
    if writer == "stress":
        return None
    if writer == "attempts":
        return ScriptedWriter.from_folder
    from prover.policies.text import open_generator

    generator = stack.enter_context(closing(open_generator(
        writer, model, endpoint=endpoint, temperature=temperature, seed=seed, api_key=api_key)))
    return lambda task: LLMWriter(generator, max_tokens)


def _attempt(task: RefuteTask, new_writer: WriterFactory, sandbox: Sandbox, rounds: int, tries: int,
             budget: float) -> tuple[Outcome, int]:
    """One attempt and the model tokens it spent."""
    if new_writer is None:
        return stress_test(task, sandbox, tries=tries, budget_seconds=budget), 0
    writer = new_writer(task)
    outcome = refute(task, writer, sandbox, rounds=rounds)
    return outcome, writer.tokens if isinstance(writer, LLMWriter) else 0


def _open_run(db: str | None, config: dict[str, object]) -> tuple[Store | None, str]:
    """The store and a new run's id when --db is given (SQLAlchemy is imported only then)."""
    if db is None:
        return None, ""
    from prover.store import RunInfo
    from prover.store.provenance import code_version, machine

    store = migrated_store(db)
    started = store.start_run(RunInfo(config_json=json.dumps(config, sort_keys=True), code_version=code_version(),
                                      machine=machine()))
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
