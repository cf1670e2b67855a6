"""The command line, driven as a user would: exit codes, verdicts, JSON, the shell."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from prover.cli.main import app
from tests.conftest import needs_coq

pytestmark = needs_coq
runner = CliRunner()

FILE = """Require Import Arith.
Lemma good : forall n, n + 0 = n.
Proof. intros. now rewrite Nat.add_0_r. Qed.
Lemma bad : 1 = 2.
Proof. Admitted.
Lemma uses_bad : 1 = 2.
Proof. apply bad. Qed.
"""


def test_check_file_reports_each_theorem_and_fails_when_one_is_rejected(tmp_path: Path) -> None:
    source = tmp_path / "f.v"
    source.write_text(FILE)
    result = runner.invoke(app, ["check", str(source), "--json"])
    assert result.exit_code == 1
    verdicts = {v["theorem"]: v for v in map(json.loads, result.stdout.splitlines())}
    assert verdicts["good"]["accepted"] is True
    assert verdicts["bad"]["accepted"] is False and "Admitted" in verdicts["bad"]["reason"]
    # the earlier Admitted lemma is an assumption no library declares
    assert verdicts["uses_bad"]["accepted"] is False and "bad" in verdicts["uses_bad"]["reason"]


def test_check_one_theorem_of_a_file_exits_zero(tmp_path: Path) -> None:
    source = tmp_path / "f.v"
    source.write_text(FILE)
    result = runner.invoke(app, ["check", str(source), "--theorem", "good"])
    assert result.exit_code == 0, result.output
    assert "accepted good" in result.stdout


def test_check_statement_and_proof_from_stdin() -> None:
    args = ["check", "--statement", "Theorem t : forall b : bool, negb (negb b) = b.", "--proof", "-"]
    result = runner.invoke(app, args, input="intros [|]; reflexivity.\n")
    assert result.exit_code == 0, result.output
    rejected = runner.invoke(app, args, input="intros b. admit. Admitted.\n")
    assert rejected.exit_code == 1
    assert "admit" in rejected.stdout


def test_check_bad_input_gives_clear_error_and_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["check", str(tmp_path / "nope.v")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.stderr
    no_name = runner.invoke(app, ["check", "--statement", "forall n, n = n.", "--proof", "auto."])
    assert no_name.exit_code == 2
    assert "--theorem" in no_name.stderr
    header_fails = runner.invoke(
        app, ["check", "--statement", "Lemma x : True.", "--proof", "exact I.", "--header", "Require Import NoSuchLib."]
    )
    assert header_fails.exit_code == 2
    assert "header" in header_fails.stderr


def test_shell_runs_tactics_undoes_and_checks() -> None:
    script = """\
intros n.
induction n.
:undo
Check Nat.add_0_r.
simpl. auto.
:goto 2
now rewrite Nat.add_0_r.
:proof
:check
:quit
"""
    result = runner.invoke(
        app,
        ["shell", "--statement", "Theorem t : forall n : nat, n + 0 = n.", "--header", "Require Import Arith."],
        input=script,
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "n + 0 = n" in out
    assert "Nat.add_0_r" in out and ": forall n : nat, n + 0 = n" in out
    assert "No more goals" in out
    assert "intros n.\nnow rewrite Nat.add_0_r." in out
    assert "accepted" in out
