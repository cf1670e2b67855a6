"""Entry point of the `prover` console script."""

from __future__ import annotations

import typer

from prover.cli import (
    check,
    demo,
    doctor,
    evaluate,
    extract,
    knn,
    refute,
    report,
    retrieve,
    safe,
    serve,
    shell,
    verina,
)

app = typer.Typer(
    name="prover",
    help="Machine theorem proving and formal verification: one API over proof assistants.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("check", help=check.__doc__)(check.check)
app.command("shell", help=shell.__doc__)(shell.shell)
app.command("demo", help=demo.__doc__)(demo.demo)
app.command("eval", help=evaluate.eval_command.__doc__)(evaluate.eval_command)
app.command("runs", help=evaluate.runs_command.__doc__)(evaluate.runs_command)
app.command("compare", help=evaluate.compare_command.__doc__)(evaluate.compare_command)
app.command("report", help=report.report.__doc__)(report.report)
app.command("doctor", help=doctor.__doc__)(doctor.doctor)
app.command("serve", help=serve.__doc__)(serve.serve)
app.command("knn-build", help=knn.knn_build.__doc__)(knn.knn_build)
app.command("retrieve", help=retrieve.retrieve.__doc__)(retrieve.retrieve)
app.command("retrieval-build", help=retrieve.build_index.__doc__)(retrieve.build_index)
app.command("retrieval-eval", help=retrieve.evaluate_retrieval.__doc__)(retrieve.evaluate_retrieval)
app.add_typer(extract.app, name="extract")
app.add_typer(refute.app, name="refute")
app.add_typer(safe.app, name="safe")
app.add_typer(verina.app, name="verina")

if __name__ == "__main__":
    app()
