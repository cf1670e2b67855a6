"""Batch evaluation: `prover eval`, `prover runs`, `prover compare`.

Every attempt is written to the store (``--db``, default ``sqlite:///prover.db``) the moment
it finishes; rerunning with the same ``--run-id`` resumes a stopped run.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from prover.cli.common import console, migrated_store, reported_errors
from prover.envs.base import Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofAttempt
from prover.run.benchmarks import DEFAULT_BENCHMARK, DEFAULT_SPLIT
from prover.run.driver import DEFAULT_BUDGET, DEFAULT_LIMIT, DEFAULT_PROVER, EvalSpec, Started, run_eval
from prover.run.summary import RunSummary, compare, summarize
from prover.store import DEFAULT_URL

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*(ms|s|m|min|h)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0}

DbOption = Annotated[str, typer.Option(
    "--db", envvar="PROVER_DB", help="The store: any SQLAlchemy URL (sqlite:///x.db, postgresql+psycopg://...).")]


def parse_duration(text: str) -> float:
    """Seconds in ``30``, ``30s``, ``500ms``, ``2m`` or ``1h``."""
    found = _DURATION.match(text)
    if found is None:
        raise ConfigError(f"cannot read the duration {text!r}: write e.g. 30s, 500ms, 2m or 1h")
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]


class _Bar:
    """Solved / failed / remaining, rate and ETA on stderr while attempts come in."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[solved]} solved[/] {task.fields[failed]} not, {task.fields[rate]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not enabled,
        )
        self.task = self.progress.add_task("eval", total=None, solved=0, failed=0, rate="")
        self.solved = self.failed = 0
        self.began = time.monotonic()

    def started(self, started: Started) -> None:
        where = f"{started.workers} worker(s)" if started.workers else "in-process"
        before = f", {started.done_before} done before" if started.done_before else ""
        self.progress.update(self.task, total=started.todo,
                             description=f"{started.benchmark.name} {started.benchmark.split} ({where}{before})")
        self.progress.start()
        self.began = time.monotonic()

    def result(self, theorem: Theorem, attempt: ProofAttempt) -> None:
        del theorem
        self.solved += attempt.solved
        self.failed += not attempt.solved
        done = self.solved + self.failed
        rate = f"{60 * done / max(time.monotonic() - self.began, 1e-9):.1f}/min"
        self.progress.update(self.task, advance=1, solved=self.solved, failed=self.failed, rate=rate)

    def stop(self) -> None:
        self.progress.stop()


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def print_summary(summary: RunSummary) -> None:
    head = Table(title=f"run {summary.run.id}: {summary.benchmark} {summary.split}, prover {summary.prover}",
                 title_justify="left")
    for column in ("theorems", "solved", "solved %", "failed", "timeout", "error", "median time", "median solved"):
        head.add_column(column, justify="right")
    head.add_row(str(summary.total), str(summary.solved), f"{100 * summary.rate:.1f}", str(summary.failed),
                 str(summary.timeout), str(summary.error), _seconds(summary.median_seconds),
                 _seconds(summary.median_solved_seconds))
    console.print(head)
    by = Table(title="by category", title_justify="left")
    for column in ("category", "theorems", "solved", "solved %"):
        by.add_column(column, justify="right" if column != "category" else "left")
    for row in summary.categories:
        by.add_row(row.category, str(row.total), str(row.solved), f"{100 * row.rate:.1f}")
    console.print(by)


def summary_json(summary: RunSummary) -> dict[str, object]:
    data = asdict(summary)
    data["rate"] = summary.rate
    data["run"] = {k: (str(v) if v is not None else None) for k, v in data["run"].items()}
    return data


def eval_command(
    benchmark: Annotated[str, typer.Option(help="coq-stdlib, coq-mathcomp, extracted (an extraction's --out "
                                                "as --path), or an external one read from --path: minif2f-rocq, "
                                                "minif2f-lean4, proofnet, fstar-dataset.")] = DEFAULT_BENCHMARK,
    split: Annotated[str, typer.Option(help="train, valid or test; `all` for every split.")] = DEFAULT_SPLIT,
    path: Annotated[str | None, typer.Option(help="Local copy of the benchmark (for those read from disk).")] = None,
    limit: Annotated[int, typer.Option(
        help="Attempt the first N theorems of a fixed sample (the same N on every machine; 0: all).")] = DEFAULT_LIMIT,
    budget: Annotated[str, typer.Option(help="Time per theorem: 30s, 2m, ...")] = f"{DEFAULT_BUDGET:g}s",
    prover: Annotated[str, typer.Option(
        help="A prover config: a name (`automation`, or eval/NAME.toml) or a path to a TOML file.")] = DEFAULT_PROVER,
    workers: Annotated[int | None, typer.Option(
        help="Ray workers (default: one per core); 0 runs in this process without Ray.")] = None,
    address: Annotated[str | None, typer.Option(
        help="A Ray cluster to use (`ray start --head` prints it). Default: a local Ray for this run.")] = None,
    db: DbOption = DEFAULT_URL,
    run_id: Annotated[str | None, typer.Option(
        "--run-id", help="Resume this run (same options), or start a new run with this id.")] = None,
    report: Annotated[str | None, typer.Option(
        help="Also write the HTML report of this run to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON (no progress bar).")] = False,
) -> None:
    """Evaluate a prover on a benchmark; every attempt goes to the store as it finishes.

    With no options: 24 theorems of a fixed sample of the coq-stdlib test split, 10 s each, automation.

    Exit 0 when the run finished (whatever it solved), 2 on bad input, 130 when interrupted.

    Rerun with the same --run-id to resume a stopped run: finished attempts are kept, never redone.
    """
    with reported_errors(), contextlib.ExitStack() as stack:
        spec = EvalSpec(benchmark=benchmark, split=None if split == "all" else split, path=path,
                        limit=limit or None, prover=prover, budget_seconds=parse_duration(budget),
                        workers=workers, address=address)
        store = stack.enter_context(migrated_store(db))
        bar = _Bar(enabled=not as_json)
        try:
            finished = run_eval(spec, store, run_id, on_started=bar.started, on_result=bar.result)
        except KeyboardInterrupt:
            bar.stop()
            console.print("interrupted: the attempts so far are stored; rerun with the same --run-id to resume")
            raise typer.Exit(130) from None
        bar.stop()
        summary = summarize(store, finished)
        report_path = None
        if report is not None:
            from prover.report.html import write_report

            report_path = str(write_report(store, [finished], report))
        if as_json:
            data = summary_json(summary)
            data["report"] = report_path
            console.print_json(json.dumps(data))
        else:
            print_summary(summary)
            if report_path is not None:
                console.print(f"report: {report_path}")


def runs_command(db: DbOption = DEFAULT_URL,
                 as_json: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False) -> None:
    """List the runs in the store: id, status, benchmark, prover, solved."""
    with reported_errors(), migrated_store(db) as store:
        summaries = [summarize(store, run.id) for run in store.runs()]
        if as_json:
            console.print_json(json.dumps([summary_json(s) for s in summaries]))
            return
        table = Table()
        for column in ("run", "status", "started", "benchmark", "prover", "budget", "solved", "code"):
            table.add_column(column)
        for s in summaries:
            started = s.run.started_at.strftime("%Y-%m-%d %H:%M") if s.run.started_at else "-"
            table.add_row(s.run.id, s.run.status, started, f"{s.benchmark} {s.split}", s.prover,
                          _seconds(s.budget_seconds), f"{s.solved}/{s.total}", s.run.code_version)
        console.print(table if summaries else "no runs in the store yet: run `prover eval`")


def compare_command(run_a: Annotated[str, typer.Argument(help="A run id (see `prover runs`).")],
                    run_b: Annotated[str, typer.Argument(help="Another run id.")],
                    db: DbOption = DEFAULT_URL,
                    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show what one run solved that the other did not, on the theorems both attempted."""
    with reported_errors(), migrated_store(db) as store:
        result = compare(store, run_a, run_b)
        if as_json:
            console.print_json(json.dumps({
                "run_a": run_a, "run_b": run_b, "both": result.both, "neither": result.neither,
                "only_a": [t.name for t in result.only_a], "only_b": [t.name for t in result.only_b],
                "only_in_one_run": result.only_in_one_run,
            }))
            return
        console.print(f"solved by both: {result.both}, by neither: {result.neither}")
        for run, only in ((run_a, result.only_a), (run_b, result.only_b)):
            console.print(f"only {run} solved {len(only)}:")
            for theorem in only:
                console.print(f"  {theorem.name}  ({theorem.source})", highlight=False)
        if result.only_in_one_run:
            console.print(f"({result.only_in_one_run} theorems attempted by only one of the runs are left out)")
