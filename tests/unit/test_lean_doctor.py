"""`prover doctor` on this machine: the findings are real (Coq runs here; Lean and F* are reported honestly)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from prover.cli import doctor

app = typer.Typer()
app.command()(doctor.doctor)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_json_report_matches_what_is_installed() -> None:
    code, output = run("--json")
    report = json.loads(output)
    findings = {f["name"]: f for f in report["findings"]}
    assert set(findings) >= {"coq", "lean", "fstar", "z3", "eprover", "cvc4", "postgresql-client", "ray"}
    coq_here = shutil.which("coqidetop.opt") is not None or shutil.which("coqidetop") is not None
    assert findings["coq"]["ok"] == coq_here
    if coq_here:
        assert "8." in findings["coq"]["detail"] and "checked" in findings["coq"]["detail"]
    lean_here = shutil.which("repl") is not None and shutil.which("lean") is not None
    if not lean_here:
        assert not findings["lean"]["ok"] and "elan" in findings["lean"]["detail"]
    if shutil.which("fstar.exe") is None:
        assert not findings["fstar"]["ok"] and "install F*" in findings["fstar"]["detail"]
    assert report["backends_working"] == [f["name"] for f in report["findings"] if f["backend"] and f["ok"]]
    assert code == (0 if report["backends_working"] else 1)


def test_bad_lean_project_is_named(tmp_path: Path) -> None:
    code, output = run("--json", "--lean-project", str(tmp_path))
    lean = next(f for f in json.loads(output)["findings"] if f["name"] == "lean")
    assert not lean["ok"] and "not a Lake project" in lean["detail"]
    assert code in (0, 1)


def test_text_report() -> None:
    code, output = run()
    assert "working backends:" in output and "lean" in output
    assert code in (0, 1)
