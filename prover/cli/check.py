"""Check proofs soundly and print the verdict; exit code 0 only when every proof is accepted.

  prover check FILE.v [--theorem NAME]        every theorem of the file (or NAME), each in its file context
  prover check --statement S --proof P [--header H]    one theorem; `-` reads the proof from stdin
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from prover.cli.common import console, read_text_option, reported_errors, theorems_from_options
from prover.envs.base import Theorem, Verdict
from prover.envs.limits import Limits
from prover.envs.pool import EnvPool


def check(
    file: Annotated[str | None, typer.Argument(help="A .v file whose theorems (with their proofs) are checked.")] = None,
    theorem: Annotated[str | None, typer.Option("--theorem", "-t", help="Only this theorem of FILE.")] = None,
    statement: Annotated[str | None, typer.Option(help="The statement: 'Theorem name : ... .'")] = None,
    proof: Annotated[str | None, typer.Option(help="The proof for --statement (`-`: read stdin).")] = None,
    header: Annotated[str, typer.Option(help="Imports etc. before --statement.")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds allowed for each whole proof.")] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print verdicts as JSON lines.")] = False,
) -> None:
    with reported_errors():
        theorems = theorems_from_options(file, theorem, statement, header)
        if statement is not None and proof is None:
            raise typer.BadParameter("--statement needs --proof (or `--proof -` to read it from stdin)")
        candidate = read_text_option(proof) if proof is not None else None
        limits = Limits(proof_seconds=timeout)
        results: list[tuple[Theorem, Verdict]] = []
        with EnvPool(size=1, limits=limits) as pool:
            for thm in theorems:
                text = candidate if candidate is not None else thm.gold_proof
                verdict = (pool.check(thm, text) if text else
                           Verdict(False, "the file has no proof for this theorem"))
                results.append((thm, verdict))
                _print(thm, verdict, as_json)
    raise typer.Exit(0 if all(v.accepted for _, v in results) else 1)


def _print(thm: Theorem, verdict: Verdict, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"theorem": thm.name, "source": thm.source, **asdict(verdict)}))
        return
    mark = "[bold green]accepted[/]" if verdict.accepted else "[bold red]rejected[/]"
    line = f"{mark} {thm.name} ({verdict.seconds:.2f}s)"
    if not verdict.accepted:
        line += f": {verdict.reason}"
    console.print(line, highlight=False)
    if verdict.axioms:
        console.print(f"  axioms: {', '.join(verdict.axioms)}", highlight=False)
