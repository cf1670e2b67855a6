"""REFUTE on the project's own sample tasks (datasets/refute-sample): the judge, the writer loop,
the stress baseline, the store, and the CLI module's app."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prover.cli.refute import app
from prover.errors import ConfigError
from prover.sandbox import Program, Sandbox
from prover.store import open_store
from prover.store.provenance import code_version, machine
from prover.tasks.refute import (
    JudgeSettings,
    RefuteTask,
    ScriptedWriter,
    judge,
    load_tasks,
    outputs_match,
    parse_language,
    pass_at_k,
    refute,
    stress_test,
)

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "refute-sample"
runner = CliRunner()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def task(name: str) -> RefuteTask:
    (loaded,) = load_tasks(SAMPLES / name)
    return loaded


def sample_input(name: str, file: str) -> str:
    return (SAMPLES / name / file).read_text()


def test_loader_reads_every_sample_in_the_benchmark_format() -> None:
    tasks = load_tasks(SAMPLES)
    assert [t.problem_id for t in tasks] == ["even-pairs-slow", "palindrome-recursion", "sum-overflow"]
    overflow = tasks[2]
    assert overflow.wrong.language == "cpp" and overflow.correct.language == "python"
    assert overflow.time_limit_seconds == 1.0 and overflow.memory_limit_bytes == 256 * 1024**2
    assert "## Input Format" in overflow.statement and "Time Limit: 1000ms" in overflow.statement
    assert tasks[0].correct.language == "cpp"


@pytest.mark.parametrize(("name", "kind"), [
    ("sum-overflow", "wrong_answer"),
    ("even-pairs-slow", "timeout"),
    ("palindrome-recursion", "crash"),
])
def test_known_counterexamples_are_judged_counterexamples(sandbox: Sandbox, name: str, kind: str) -> None:
    judgement = judge(task(name), sample_input(name, "counterexample.txt"), sandbox)
    assert judgement.counterexample, judgement.reason
    assert judgement.kind == kind and judgement.runs == 1


@pytest.mark.parametrize("name", ["sum-overflow", "even-pairs-slow", "palindrome-recursion"])
def test_non_counterexamples_are_rejected_after_every_run(sandbox: Sandbox, name: str) -> None:
    judgement = judge(task(name), sample_input(name, "not-counterexample.txt"), sandbox)
    assert not judgement.counterexample and judgement.kind == "agree"
    assert judgement.runs == 5


@pytest.mark.parametrize("name", ["sum-overflow", "palindrome-recursion"])
def test_inputs_the_validator_rejects_are_not_counterexamples(sandbox: Sandbox, name: str) -> None:
    # The sum-overflow input would break the wrong program, but is not a valid input.
    judgement = judge(task(name), sample_input(name, "invalid.txt"), sandbox)
    assert not judgement.counterexample and judgement.kind == "invalid_input"
    assert judgement.runs == 0


def test_an_out_of_range_input_that_breaks_the_wrong_program_is_still_invalid(sandbox: Sandbox) -> None:
    judgement = judge(task("sum-overflow"), "1\n10000000000\n", sandbox)
    assert judgement.kind == "invalid_input"


def test_output_comparison_follows_the_benchmark_checker() -> None:
    assert outputs_match("1 2\n3\n", "1   2 3   \n\n\n")[0]
    assert not outputs_match("1 2 3", "1 2 4")[0]
    assert not outputs_match("1 2", "1 2 3")[0]
    assert outputs_match("YES\nno\n", "yes\nNO")[0]
    assert not outputs_match("YES", "NO")[0]
    assert not outputs_match("Alice", "alice")[0]
    assert outputs_match("", "  \n")[0]
    assert not outputs_match("1", "")[0]


def test_a_broken_correct_program_is_not_a_counterexample(sandbox: Sandbox) -> None:
    broken = task("sum-overflow")
    broken = RefuteTask(broken.problem_id, broken.statement, broken.time_limit_seconds, broken.memory_limit_bytes,
                        broken.wrong, Program("python", "raise SystemExit(3)"), broken.validator)
    judgement = judge(broken, sample_input("sum-overflow", "not-counterexample.txt"), sandbox)
    assert not judgement.counterexample and judgement.kind == "correct_failed"


def test_writer_loop_feeds_back_errors_until_it_finds_a_counterexample(sandbox: Sandbox) -> None:
    overflow = task("sum-overflow")
    writer = ScriptedWriter.from_folder(overflow)
    outcome = refute(overflow, writer, sandbox, rounds=3)
    assert outcome.solved and outcome.counterexample == "3\n1000000000 1000000000 1000000000\n"
    kinds = [r.judgement.kind for r in outcome.rounds if r.judgement]
    assert kinds == ["invalid_input", "agree", "wrong_answer"]
    feedback = [r.feedback for r in outcome.rounds]
    assert "validator rejects" in feedback[0] and "agree" in feedback[1] and feedback[2] == ""
    assert writer.calls == 3


def test_writer_loop_reports_a_failing_generator_and_stops_after_its_rounds(sandbox: Sandbox) -> None:
    slow = task("even-pairs-slow")
    outcome = refute(slow, ScriptedWriter.from_folder(slow), sandbox, rounds=1)
    assert not outcome.solved and not outcome.rounds[0].generated
    assert "did not print an input" in outcome.rounds[0].feedback
    solved = refute(slow, ScriptedWriter.from_folder(slow), sandbox, rounds=2)
    assert solved.solved and solved.rounds[-1].judgement is not None
    assert solved.rounds[-1].judgement.kind == "timeout"


def test_stress_baseline_finds_the_overflow_and_misses_the_others(sandbox: Sandbox) -> None:
    found = stress_test(task("sum-overflow"), sandbox, tries=40, budget_seconds=60)
    assert found.solved and found.counterexample is not None
    missed = stress_test(task("palindrome-recursion"), sandbox, tries=5, budget_seconds=60)
    assert not missed.solved


def test_pass_at_k() -> None:
    assert pass_at_k(5, 0, 1) == 0.0
    assert pass_at_k(5, 5, 3) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    with pytest.raises(ConfigError):
        pass_at_k(2, 3, 1)


def test_bad_task_records_are_refused_with_the_missing_field(tmp_path: Path) -> None:
    record = json.loads((SAMPLES / "sum-overflow" / "task.json").read_text())
    del record["validator"]
    (tmp_path / "task.json").write_text(json.dumps(record))
    with pytest.raises(ConfigError, match="validator"):
        load_tasks(tmp_path)
    (tmp_path / "task.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        load_tasks(tmp_path)
    with pytest.raises(ConfigError, match="neither C\\+\\+ nor Python"):
        parse_language("Kotlin 1.7")
    assert parse_language("GNU C++20 (64)") == "cpp" and parse_language("PyPy 3-64") == "python"
    with pytest.raises(ConfigError, match="no REFUTE task"):
        load_tasks(tmp_path / "missing")


def test_jsonl_of_records_loads(tmp_path: Path) -> None:
    lines = [json.dumps(json.loads((SAMPLES / name / "task.json").read_text()))
             for name in ("sum-overflow", "palindrome-recursion")]
    (tmp_path / "refute.jsonl").write_text("\n".join(lines) + "\n")
    assert [t.problem_id for t in load_tasks(tmp_path / "refute.jsonl")] == ["sum-overflow", "palindrome-recursion"]


# The CLI module's app (prover/cli/main.py registers it as `prover refute`).


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    folder = str(SAMPLES / "sum-overflow")
    yes = runner.invoke(app, ["check", folder, "--input", str(SAMPLES / "sum-overflow" / "counterexample.txt"),
                              "--json"])
    assert yes.exit_code == 0, yes.output
    assert json.loads(yes.stdout)["kind"] == "wrong_answer"
    no = runner.invoke(app, ["check", folder, "--input", str(SAMPLES / "sum-overflow" / "not-counterexample.txt"),
                             "--runs", "1"])
    assert no.exit_code == 1 and "not a counterexample" in no.stdout
    invalid = runner.invoke(app, ["check", folder, "--input", str(SAMPLES / "sum-overflow" / "invalid.txt")])
    assert invalid.exit_code == 1 and "validator" in invalid.stdout
    missing = runner.invoke(app, ["check", folder, "--input", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read the input file" in missing.output
    several = runner.invoke(app, ["check", str(SAMPLES), "--input", str(SAMPLES / "sum-overflow" / "invalid.txt")])
    assert several.exit_code == 2 and "takes one" in several.output


def test_cli_run_records_pass_at_k_in_the_store(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    for name in ("sum-overflow", "palindrome-recursion"):
        shutil.copytree(SAMPLES / name, tasks / name)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = runner.invoke(app, ["run", str(tasks), "--rounds", "3", "--k", "2", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    scores = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(s["problem_id"], s["solved"], s["pass_at_k"]) for s in scores] == [
        ("palindrome-recursion", 2, 1.0), ("sum-overflow", 2, 1.0)]
    with open_store(url) as store:
        (run,) = store.runs()
        assert run.status == "finished" and json.loads(run.config_json)["k"] == 2
        assert run.code_version == code_version() and run.machine == machine()
        results = store.task_results(run.id, "refute")
    assert [(r.task_id, r.status) for r in results] == [("palindrome-recursion", "solved"), ("sum-overflow", "solved")]
    detail = json.loads(results[1].detail_json)
    assert detail["n"] == 2 and [a["kind"] for a in detail["attempts"][0]] == ["invalid_input", "agree",
                                                                              "wrong_answer"]


def test_cli_run_refuses_unknown_writers_and_tasks_without_attempts(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["run", str(SAMPLES / "sum-overflow"), "--writer", "gpt"])
    assert bad.exit_code == 2 and "not one of" in bad.output
    shutil.copy(SAMPLES / "sum-overflow" / "task.json", tmp_path / "task.json")
    none = runner.invoke(app, ["run", str(tmp_path)])
    assert none.exit_code == 2 and "attempts/" in none.output


def test_judge_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="runs"):
        JudgeSettings(runs=0)
