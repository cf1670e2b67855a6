"""`prover verina check` and `prover verina eval` through typer's CliRunner, on a real coqidetop and a temp SQLite store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from prover.cli import verina
from prover.store import open_store
from prover.store.provenance import code_version, machine

COQ_SET = Path(__file__).resolve().parents[2] / "datasets" / "verina-coq"
pytestmark = pytest.mark.skipif(
    shutil.which("coqidetop.opt") is None and shutil.which("coqidetop") is None,
    reason="coqidetop is not installed (Debian package `coq`; `make test` installs it)",
)

# The command group as prover/cli/main.py registers it.
cli = typer.Typer()
cli.add_typer(verina.app, name="verina")
runner = CliRunner()


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_check_reference_passes_and_prints_each_group() -> None:
    result = runner.invoke(cli, ["verina", "check", str(COQ_SET / "safe_divide")])
    assert result.exit_code == 0, result.output
    for line in ("code   pass", "precond_complete   pass", "postcond_sound     pass", "proof  pass"):
        assert line in result.output


def test_check_candidate_files_as_json(tmp_path: Path) -> None:
    code = tmp_path / "code.v"
    code.write_text("x")  # no sections: the whole file is the body of `code`
    spec = tmp_path / "spec.v"
    spec.write_text("(* !benchmark @start postcond *)\n0 <= result\n(* !benchmark @end postcond *)\n")
    result = runner.invoke(cli, ["verina", "check", str(COQ_SET / "abs_value"), "--code", str(code),
                                 "--spec", str(spec), "--json"])
    assert result.exit_code == 1, result.output
    record = json.loads(result.output)
    assert record["code_passed"] is False and record["spec_passed"] is False and record["proof_passed"] is False
    sound = {c["name"]: c["outcome"] for c in record["spec"]["postcond_sound"]["checks"]}
    assert sound["test 0 unexpected 0"] == "pass" and sound["test 0 unexpected 1"] == "fail"  # -5 and 4 for x = 5


def test_check_bad_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["verina", "check", str(tmp_path)])
    assert result.exit_code == 2 and "task.json is missing" in flat(result.output)
    spec = tmp_path / "spec.v"
    spec.write_text("0 <= result")
    result = runner.invoke(cli, ["verina", "check", str(COQ_SET / "abs_value"), "--spec", str(spec)])
    assert result.exit_code == 2 and "--spec needs" in flat(result.output)
    result = runner.invoke(cli, ["verina", "check", str(COQ_SET / "abs_value"), "--proof", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "cannot read it" in flat(result.output)


def test_eval_candidates_records_samples_and_pass_at_k(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    for name in ("abs_value", "square"):
        shutil.copytree(COQ_SET / name, root / name)
    candidates = tmp_path / "c.jsonl"
    candidates.write_text("\n".join(json.dumps(c) for c in [
        {"task_id": "verina_coq_abs_value", "code": "x"},
        {"task_id": "verina_coq_abs_value", "code": "Z.abs x",
         "proof": "unfold absValue_postcond, absValue. lia."},
        {"task_id": "verina_coq_square", "proof": "admit."},
        {"task_id": "verina_coq_square"},
    ]) + "\n")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = ["verina", "eval", str(root), "--candidates", str(candidates), "--db", url, "--k", "1", "--k", "2",
            "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output  # some samples fail
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["task_id"], r["index"], r["passed"]) for r in lines[:-1]] == [
        ("verina_coq_abs_value", 0, False), ("verina_coq_abs_value", 1, True),
        ("verina_coq_square", 0, False), ("verina_coq_square", 1, True)]
    summary = lines[-1]
    values = {(p["metric"], p["k"]): p["value"] for p in summary["pass_at_k"]}
    assert values["all", 1] == pytest.approx(0.5) and values["all", 2] == 1.0
    assert values["code", 1] == pytest.approx(0.75)
    with open_store(url) as store:
        rows = store.task_results(summary["run_id"], "verina")
        (run,) = store.runs()
        assert run.code_version == code_version() and run.machine == machine()
        assert [(r.task_id, r.status) for r in rows] == [
            ("verina_coq_abs_value#0", "failed"), ("verina_coq_abs_value#1", "passed"),
            ("verina_coq_square#0", "failed"), ("verina_coq_square#1", "passed")]
        assert json.loads(rows[2].detail_json)["proof"]["accepted"] is False
    # Resuming the run evaluates nothing again and reports the same pass@k from the store.
    again = runner.invoke(cli, [*args, "--run-id", summary["run_id"]])
    assert [json.loads(line) for line in again.output.splitlines()] == [summary]


def test_eval_names_unknown_tasks(tmp_path: Path) -> None:
    candidates = tmp_path / "c.jsonl"
    candidates.write_text('{"task_id": "nope", "code": "x"}\n')
    result = runner.invoke(cli, ["verina", "eval", str(COQ_SET), "--candidates", str(candidates)])
    assert result.exit_code == 2 and "not in the task set: nope" in flat(result.output)
