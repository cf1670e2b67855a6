"""Batch evaluation against real Coq, a real local Ray and real SQLite/PostgreSQL stores:
results as in-process, resume after a killed driver, a killed worker survived."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from prover.envs.base import Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofAttempt
from prover.run.benchmarks import load_benchmark
from prover.run.driver import EvalSpec, run_eval
from prover.run.summary import compare, results, summarize
from prover.store import Store, open_store
from tests.conftest import needs_coq
from tests.run.processes import processes_hosting

pytestmark = needs_coq

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "small.v"
SOLVED_BY_AUTOMATION = {"two_plus_two", "and_swap", "lin", "or_comm'", "app_nil_end'"}
"""Theorems of small.v that a single closing tactic proves (`auto with *` knows app_nil_r)."""


def spec(workers: int | None, **changes: object) -> EvalSpec:
    base = {"benchmark": "coq-files", "path": str(SMALL), "limit": None, "budget_seconds": 5.0, "workers": workers}
    return EvalSpec(**{**base, **changes})  # type: ignore[arg-type]


def outcome(store: Store, run_id: str) -> dict[str, str]:
    return {r.theorem.name: r.attempt.status for r in results(store, run_id)}


def attempt_rows(store: Store, run_id: str) -> int:
    return len(store.attempts(run_id))


def test_the_coq_stdlib_sample_is_fixed_and_grows_by_extension() -> None:
    small = load_benchmark("coq-stdlib", "test", limit=5)
    large = load_benchmark("coq-stdlib", "test", limit=12)
    assert large.theorems[:5] == small.theorems
    assert {t.split for t in large.theorems} == {"test"}
    assert all(t.module and t.module.startswith("Coq.") for t in large.theorems)
    assert all(t.statement in Path("/usr/lib/ocaml/coq/theories", t.source.split(":")[1]).read_text()
               for t in large.theorems if t.source)


def test_bad_benchmark_options_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="unknown benchmark 'nope'"):
        load_benchmark("nope")
    with pytest.raises(ConfigError, match="pass --path"):
        load_benchmark("coq-files")
    with pytest.raises(ConfigError, match="unknown split"):
        load_benchmark("coq-stdlib", "dev")


def test_in_process_run_records_every_theorem_once(store: Store) -> None:
    seen: list[tuple[Theorem, ProofAttempt]] = []
    run_id = run_eval(spec(0), store, on_result=lambda t, a: seen.append((t, a)))
    got = outcome(store, run_id)
    assert len(got) == 8 == len(seen) == attempt_rows(store, run_id)
    assert {name for name, status in got.items() if status == "solved"} == SOLVED_BY_AUTOMATION
    summary = summarize(store, run_id)
    assert (summary.total, summary.solved, summary.run.status) == (8, 5, "finished")
    for result in results(store, run_id):
        if result.solved:  # the stored proof is what check accepted
            assert result.attempt.verdict_accepted and result.attempt.proof
    # a finished run resumed does nothing more
    assert run_eval(spec(0), store, run_id) == run_id
    assert attempt_rows(store, run_id) == 8


def test_ray_run_matches_the_in_process_run(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.migrate()
        local = run_eval(spec(0), store)
        distributed = run_eval(spec(2), store)
        assert outcome(store, distributed) == outcome(store, local)
        same = compare(store, local, distributed)
        assert (same.only_a, same.only_b, same.both) == ((), (), 5)


def test_resuming_with_another_config_is_refused(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.migrate()
        run_id = run_eval(spec(0, limit=2), store)
        with pytest.raises(ConfigError, match="different config"):
            run_eval(spec(0, limit=3), store, run_id)


def _eval_command(db: str, run_id: str) -> list[str]:
    return [sys.executable, "-m", "prover.cli.main", "eval", "--benchmark", "coq-files", "--path", str(SMALL),
            "--limit", "0", "--budget", "5s", "--workers", "2", "--db", db, "--run-id", run_id, "--json"]


def test_resume_after_killing_the_driver_gives_the_uninterrupted_rows(store_url: str) -> None:
    with open_store(store_url) as store:
        store.migrate()
        reference = outcome(store, run_eval(spec(0), store))
        run_id = "killed-driver"
        # A slow prover config would make the kill window wide; instead kill as soon as
        # some but not all attempts are stored, with the whole process group (Ray included).
        driver = subprocess.Popen(_eval_command(store_url, run_id), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and driver.poll() is None:
                if _count(store, run_id) >= 2:
                    break
                time.sleep(0.05)
            os.killpg(driver.pid, signal.SIGKILL)
        finally:
            driver.wait()
        partial = _count(store, run_id)
        assert 2 <= partial, "the driver finished nothing before it was killed"
        if partial < 8:  # the kill landed mid-run: the run is left marked running
            assert store.run(run_id).status == "running"
        rerun = subprocess.run(_eval_command(store_url, run_id), capture_output=True, text=True, timeout=300,
                               check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert outcome(store, run_id) == reference
        assert attempt_rows(store, run_id) == 8
        assert store.run(run_id).status == "finished"


def _count(store: Store, run_id: str) -> int:
    try:
        return attempt_rows(store, run_id)
    except Exception:  # the run row may not exist yet  # noqa: BLE001
        return 0


def test_a_killed_worker_is_replaced_and_its_theorem_retried(sqlite_url: str) -> None:
    killed: list[int] = []

    def kill_one_worker(_theorem: Theorem, _attempt: ProofAttempt) -> None:
        if not killed:
            workers = processes_hosting("EvalWorker")
            assert workers, "no Ray worker process found"
            killed.append(workers[0].pid)
            workers[0].kill()

    with open_store(sqlite_url) as store:
        store.migrate()
        reference = outcome(store, run_eval(spec(0), store))
        run_id = run_eval(spec(2), store, on_result=kill_one_worker)
        assert killed
        assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == psutil.STATUS_ZOMBIE
        assert outcome(store, run_id) == reference
        assert attempt_rows(store, run_id) == 8


def test_eval_runs_on_the_coq_port_of_minif2f(sqlite_url: str) -> None:
    rocq = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks" / "minif2f-rocq"
    with open_store(sqlite_url) as store:
        store.migrate()
        run_id = run_eval(EvalSpec(benchmark="minif2f-rocq", split="test", path=str(rocq), limit=None,
                                   budget_seconds=10.0, workers=0), store)
        summary = summarize(store, run_id)
        assert summary.total == len(load_benchmark("minif2f-rocq", "test", rocq).theorems) >= 2
        assert summary.error == 0 and summary.solved >= 1


def test_a_prover_that_ignores_its_budget_is_killed_and_recorded_as_timeout(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "stalling.toml"
    config.write_text('name = "stalling"\n[search]\nkind = "best_first"\n[[policies]]\nkind = "automation"\n'
                      'target = "tests.run.stalling:StallingPolicy"\n')
    with open_store(sqlite_url) as store:
        store.migrate()
        started = time.monotonic()
        run_id = run_eval(spec(2, prover=str(config), budget_seconds=1.0, grace_seconds=2.0, limit=None), store)
        got = results(store, run_id)
        assert len(got) == 8 and {r.attempt.status for r in got} == {"timeout"}
        assert all("its worker was killed" in (r.attempt.verdict_reason or "") for r in got)
        assert time.monotonic() - started < 8 * 60 / 2  # nobody waited out a minute-long stall per theorem
        assert not processes_hosting("EvalWorker")
