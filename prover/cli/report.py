"""`prover report`: one self-contained HTML file for one or more runs."""

from __future__ import annotations

from typing import Annotated

import typer

from prover.cli.common import console, migrated_store, reported_errors
from prover.cli.evaluate import DbOption
from prover.report.html import write_report
from prover.store import DEFAULT_URL


def report(
    runs: Annotated[list[str], typer.Argument(help="Run ids (see `prover runs`); several are compared side by side.")],
    out: Annotated[str, typer.Option("--out", "-o", help="The HTML file to write.")] = "report.html",
    db: DbOption = DEFAULT_URL,
) -> None:
    """Write an HTML report of RUNS: results, solved-vs-time curves, per-theorem comparison, every
    attempt's proof or deepest state. The file needs no network to view."""
    with reported_errors(), migrated_store(db) as store:
        path = write_report(store, runs, out)
    console.print(f"report: {path}", highlight=False)
