"""`prover safe score --db`: one task result per candidate, a run that resumes after being killed,
and the refusals (other settings under the same run id, problem ids that repeat)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
import typer
from typer.testing import CliRunner

from prover.store import open_store
from prover.store.provenance import code_version, machine
from prover.tasks.safe import load_problems
from tests.tasks.test_refute_llm import build_long_context_model

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "datasets" / "safe" / "safe_steps.jsonl"
CANDIDATES = sum(len(p.candidates) for p in load_problems(SET))


def _cli() -> typer.Typer:
    from prover.cli import safe

    app = typer.Typer()
    app.add_typer(safe.app, name="safe")
    return app


def score(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_cli(), ["safe", "score", *args])
    return result.exit_code, result.stdout, result.output


def test_every_candidate_is_recorded_with_its_status_and_ranking(store_url: str) -> None:
    code, stdout, output = score(str(SET), "--db", store_url, "--json")
    assert code == 0, output
    printed = {(line["problem"], r["candidate"]): r for line in map(json.loads, stdout.splitlines())
               for r in line["ranking"]}
    with open_store(store_url) as store:
        (run,) = store.runs()
        results = store.task_results(run.id, "safe")
    assert run.status == "finished" and json.loads(run.config_json)["formaliser"] == "rule"
    assert run.code_version == code_version() and run.machine == machine()
    assert len(results) == len(printed) == CANDIDATES
    for result in results:
        detail = json.loads(result.detail_json)
        shown = printed[(detail["problem"], detail["candidate"])]
        assert result.task_id == f"{detail['problem']}/{detail['candidate']}"
        assert result.status == detail["status"] == shown["status"]
        assert detail["rank"] == shown["rank"] and detail["steps"] == shown["steps"]
        assert result.seconds >= 0 and detail["tokens"] == 0
    statuses = {r.status for r in results}
    assert {"proved", "refuted"} <= statuses


def test_a_killed_run_resumes_without_repeating_a_candidate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = [str(SET), "--db", url, "--run-id", "r1", "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "prover.cli.main", "safe", "score", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        with open_store(url) as store:
            store.migrate()
            while len(store.task_results("r1", "safe")) < 3 and proc.poll() is None:
                assert time.monotonic() < deadline, "no candidate was recorded within 120 s"
                time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    with open_store(url) as store:
        before = store.task_results("r1", "safe")
        killed = store.run("r1")
    assert before and (killed.status == "running" or len(before) == CANDIDATES)

    code, stdout, output = score(*args)
    assert code == 0, output
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert len(lines) == len(load_problems(SET))
    done_before = {json.loads(r.detail_json)["problem"] for r in before}
    resumed = {line["problem"] for line in lines if line.get("resumed")}
    assert resumed and resumed <= done_before
    with open_store(url) as store:
        after = store.task_results("r1", "safe")
        assert store.run("r1").status == "finished"
    assert len(after) == len({r.task_id for r in after}) == CANDIDATES
    assert {r.task_id: r.detail_json for r in before} == {r.task_id: r.detail_json for r in after[:len(before)]}


def test_resuming_with_other_settings_is_refused(tmp_path: Path) -> None:
    problems = tmp_path / "two.jsonl"
    problems.write_text("\n".join(SET.read_text().splitlines()[:2]) + "\n")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert score(str(problems), "--db", url, "--run-id", "r")[0] == 0
    code, _, output = score(str(problems), "--db", url, "--run-id", "r", "--timeout", "1")
    assert code == 2 and "different config" in " ".join(output.split())


def test_problem_ids_that_repeat_are_refused_with_a_store(tmp_path: Path) -> None:
    twice = tmp_path / "twice.jsonl"
    twice.write_text(SET.read_text().splitlines()[0] + "\n" + SET.read_text().splitlines()[0] + "\n")
    code, _, output = score(str(twice), "--db", f"sqlite:///{tmp_path / 'store.db'}")
    assert code == 2 and "problem ids repeat (eggs)" in " ".join(output.split())
    assert score(str(twice))[0] == 0  # without a store, nothing is keyed by id


def test_a_model_formaliser_records_its_tokens(tmp_path: Path) -> None:
    model = build_long_context_model(tmp_path / "tiny")
    one = tmp_path / "one.jsonl"
    one.write_text(SET.read_text().splitlines()[0] + "\n")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code, _, output = score(str(one), "--formaliser", "hf", "--formaliser-model", str(model),
                            "--max-tokens", "16", "--seed", "1", "--db", url)
    assert code == 0, output
    with open_store(url) as store:
        (run,) = store.runs()
        results = store.task_results(run.id, "safe")
    assert json.loads(run.config_json)["formaliser_model"] == str(model)
    assert len(results) == 3 and all(r.status == "formalisation_failed" for r in results)
    assert all(json.loads(r.detail_json)["tokens"] > 0 for r in results)
