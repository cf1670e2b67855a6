"""Extraction jobs on a real local Ray (2 CPUs) with real Coq: outputs, resuming, timeouts,
dead workers, a killed driver, the loader and the `prover extract coq` command.

The extract functions below run on Ray workers (pickled by value: pytest imports this module
under a name the workers cannot import); each does the real extraction
(`prover.data.coq.extract_file`) unless it is told to misbehave on a file.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from ray import cloudpickle
from typer.testing import CliRunner

from prover.cli.main import app
from prover.data.coq import STDLIB, Library, extract_file
from prover.data.jobs import ExtractionSummary, run_extraction
from prover.data.loader import hf_data_files, load_pairs, load_theorems
from prover.data.records import FileRecord, TheoremRecord, read_files, read_theorems
from prover.data.splits import committed_manifest, split_of
from prover.envs.coq.replay import replay_file
from prover.envs.limits import Limits
from tests.conftest import needs_coq

pytestmark = needs_coq
ROOT = Path(__file__).resolve().parents[2]
FOUR = ("Arith/Between.v", "Arith/EqNat.v", "Lists/ListTactics.v", "Logic/Decidable.v")
cloudpickle.register_pickle_by_value(sys.modules[__name__])
LOOP = "Lemma l : True.\nProof. Timeout 1000 (let rec f := idtac; f in f). exact I. Qed.\n"


# --- extract functions run by the workers ----------------------------------------------------


def _log(path: str | Path, line: str) -> int:
    """Append `line` to `path`; how many lines it held before."""
    with open(path, "a+", encoding="utf-8") as handle:
        handle.seek(0)
        before = len(handle.readlines())
        handle.write(line + "\n")
    return before


def counting_extract(log: str, lib: Library, relpath: str, limits: Limits) -> tuple[FileRecord, list[TheoremRecord]]:
    """The real extraction, each call logged."""
    _log(log, relpath)
    return extract_file(lib, relpath, limits)


def crash_first_attempt(log: str, victim: str, lib: Library, relpath: str,
                        limits: Limits) -> tuple[FileRecord, list[TheoremRecord]]:
    """Kill the worker on `victim`'s first attempt, midway through its extraction."""
    if relpath == victim and _log(log, relpath) == 0:
        extract_file(lib, "Arith/EqNat.v", limits)
        os._exit(1)
    return extract_file(lib, relpath, limits)


def failing_extract(log: str, lib: Library, relpath: str, limits: Limits) -> tuple[FileRecord, list[TheoremRecord]]:
    _log(log, relpath)
    raise RuntimeError("no extraction today")


def hanging_extract(log: str, loop: str, lib: Library, relpath: str,
                    limits: Limits) -> tuple[FileRecord, list[TheoremRecord]]:
    """Hang in Coq (replaying `loop`, no per-sentence bound) on Lists/ListTactics.v, in
    Python on Logic/Decidable.v; extract the other files."""
    _log(log, relpath)
    if relpath == "Lists/ListTactics.v":
        replay_file(loop, limits=Limits(proof_seconds=100_000))
    elif relpath == "Logic/Decidable.v":
        time.sleep(100_000)
    return extract_file(lib, relpath, limits)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray for the module (starting one takes ~10 s); run_extraction reuses it."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def baseline(ray_address: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExtractionSummary]:
    """An uninterrupted extraction of FOUR stdlib files, each extracted once."""
    out = tmp_path_factory.mktemp("baseline")
    log = out.parent / "baseline.log"
    extract = functools.partial(counting_extract, str(log))
    summary = run_extraction(STDLIB, out, extract=extract, files=FOUR, progress=False)
    return out, summary


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _files_without_timing(out: Path) -> list[FileRecord]:
    return [replace(f, seconds=0.0) for f in read_files(out / "files.jsonl")]


def _assert_same_records(out: Path, reference: Path) -> None:
    """Same theorems byte for byte, same files but for timings, and no theorem twice."""
    assert _lines(out / "theorems.jsonl") == _lines(reference / "theorems.jsonl")
    assert _files_without_timing(out) == _files_without_timing(reference)
    keys = [t.key for t in read_theorems(out / "theorems.jsonl")]
    assert len(keys) == len(set(keys))


# --- tests ---------------------------------------------------------------------------------------


def test_extracts_every_file_into_sorted_jsonl(baseline: tuple[Path, ExtractionSummary]) -> None:
    out, summary = baseline
    files = list(read_files(out / "files.jsonl"))
    assert [f.file for f in files] == sorted(FOUR)
    assert all(f.replayed and f.error is None for f in files)
    theorems = list(read_theorems(out / "theorems.jsonl"))
    assert [t.file for t in theorems] == sorted(t.file for t in theorems)
    assert {t.file for t in theorems} == {"Arith/Between.v", "Arith/EqNat.v", "Logic/Decidable.v"}
    assert summary.files == summary.files_ok == 4 and summary.files_failed == 0
    assert summary.theorems == len(theorems) > 40
    assert summary.steps == sum(len(t.steps) for t in theorems)
    assert summary.failures_by_reason == ()
    assert json.loads((out / "summary.json").read_text())["theorems"] == summary.theorems
    for relpath in FOUR:
        assert (out / "files" / f"{relpath}.json").is_file()


def test_rerun_skips_files_already_done(baseline: tuple[Path, ExtractionSummary]) -> None:
    out, _ = baseline
    log = out.parent / "baseline.log"
    calls = _lines(log)
    assert sorted(calls) == sorted(FOUR)
    before = _lines(out / "theorems.jsonl")
    again = run_extraction(STDLIB, out, extract=functools.partial(counting_extract, str(log)), files=FOUR,
                           progress=False)
    assert _lines(log) == calls  # no file extracted again
    assert again.files_skipped == 4 and again.theorems == len(before)
    assert _lines(out / "theorems.jsonl") == before


def test_hung_files_are_stopped_retried_then_recorded_failed(ray_address: str, tmp_path: Path) -> None:
    loop = tmp_path / "loop.v"
    loop.write_text(LOOP)
    log = tmp_path / "attempts.log"
    started = time.monotonic()
    summary = run_extraction(
        STDLIB, tmp_path / "out", extract=functools.partial(hanging_extract, str(log), str(loop)),
        files=("Arith/EqNat.v", "Lists/ListTactics.v", "Logic/Decidable.v"), file_timeout=2, retries=1,
        progress=False,
    )
    elapsed = time.monotonic() - started
    assert summary.files_ok == 1 and summary.files_failed == 2
    assert summary.failures_by_reason == (("timeout", 2),)
    assert sorted(_lines(log)).count("Lists/ListTactics.v") == 2  # tried, then retried once
    assert sorted(_lines(log)).count("Logic/Decidable.v") == 2
    failed = {f.file: f for f in read_files(tmp_path / "out" / "files.jsonl")}
    assert failed["Arith/EqNat.v"].replayed and failed["Arith/EqNat.v"].theorems == 6
    for relpath in ("Lists/ListTactics.v", "Logic/Decidable.v"):
        assert not failed[relpath].replayed and failed[relpath].error.startswith("timeout")
        assert failed[relpath].source  # the file's text, so the record stands on its own
        assert (tmp_path / "out" / "failed" / f"{relpath}.json").is_file()
    assert elapsed < 40
    # the coqidetop replaying the loop was killed with its task, not left spinning
    time.sleep(0.5)
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and _cmdline_has(pid, str(loop))]


def _cmdline_has(pid: str, text: str) -> bool:
    try:
        return text.encode() in Path("/proc", pid, "cmdline").read_bytes()
    except OSError:
        return False


def test_failed_files_are_retried_on_rerun(ray_address: str, tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    out = tmp_path / "out"
    first = run_extraction(STDLIB, out, extract=functools.partial(failing_extract, str(log)),
                           files=("Arith/EqNat.v",), retries=2, progress=False)
    assert first.failures_by_reason == (("exception:RuntimeError", 1),)
    assert _lines(log) == ["Arith/EqNat.v"] * 3  # tried, then retried twice
    [failed] = read_files(out / "files.jsonl")
    assert failed.error == "exception:RuntimeError: no extraction today" and not failed.replayed
    second = run_extraction(STDLIB, out, extract=functools.partial(counting_extract, str(log)),
                            files=("Arith/EqNat.v",), progress=False)
    assert second.files_ok == 1 and second.files_failed == 0 and second.files_skipped == 0
    assert not (out / "failed" / "Arith" / "EqNat.v.json").exists()
    assert [f.replayed for f in read_files(out / "files.jsonl")] == [True]


def test_worker_killed_mid_file_loses_and_duplicates_nothing(
    baseline: tuple[Path, ExtractionSummary], tmp_path: Path
) -> None:
    log = tmp_path / "attempts.log"
    extract = functools.partial(crash_first_attempt, str(log), "Arith/Between.v")
    summary = run_extraction(STDLIB, tmp_path, extract=extract, files=FOUR, retries=1, progress=False)
    assert _lines(log) == ["Arith/Between.v"] * 2  # the worker died on it once; Ray ran it again
    assert summary.files_ok == 4 and summary.files_failed == 0
    _assert_same_records(tmp_path, baseline[0])


def test_killed_driver_resumes_without_loss_or_duplicates(
    baseline: tuple[Path, ExtractionSummary], ray_address: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    log = tmp_path / "calls.log"
    script = (
        "import functools, sys\n"
        "from prover.data.coq import STDLIB\n"
        "from prover.data.jobs import run_extraction\n"
        "from tests.coq.test_extract_jobs import FOUR, counting_extract\n"
        "run_extraction(STDLIB, sys.argv[1], extract=functools.partial(counting_extract, sys.argv[2]),\n"
        "               files=FOUR, address=sys.argv[3], progress=False)\n"
    )
    driver = subprocess.Popen([sys.executable, "-c", script, str(out), str(log), ray_address], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("files/**/*.v.json")) and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(driver.pid, signal.SIGKILL)
    finally:
        driver.wait(10)
    done = {p.relative_to(out / "files").as_posix()[: -len(".json")] for p in out.glob("files/**/*.v.json")}
    assert 1 <= len(done) < 4, done
    assert not (out / "theorems.jsonl").exists()
    calls_before = len(_lines(log))
    resumed = run_extraction(STDLIB, out, extract=functools.partial(counting_extract, str(log)), files=FOUR,
                             progress=False)
    assert resumed.files_skipped == len(done) and resumed.files_ok == 4
    assert not done & set(_lines(log)[calls_before:])  # the resumed run left the done files alone
    _assert_same_records(out, baseline[0])


def test_loader_gives_theorems_pairs_and_hf_data_files(baseline: tuple[Path, ExtractionSummary]) -> None:
    out, summary = baseline
    theorems = list(load_theorems(out))
    assert len(theorems) == summary.theorems
    bet = next(t for t in theorems if t.name == "bet_eq")
    assert bet.statement.startswith("Lemma bet_eq") and bet.gold_proof.endswith("Qed.")
    assert "Require Import PeanoNat." in bet.header and bet.header.endswith("Hint Constructors between: core.")
    assert bet.source.startswith("stdlib:Arith/Between.v:")
    pairs = list(load_pairs(out))
    assert len(pairs) >= summary.theorems and all(state.goals and tactic for state, tactic in pairs)
    assert list(load_theorems(out, split="test")) == []  # no split was set on this run
    data_files = hf_data_files(out)
    assert set(data_files) == {"theorems", "files"}
    datasets = pytest.importorskip("datasets", reason="Hugging Face `datasets` is not installed (optional)")
    if not hasattr(datasets, "load_dataset"):  # the repo's own datasets/ folder, as a namespace package
        pytest.skip("Hugging Face `datasets` is not installed (optional); `import datasets` found the repo's folder")
    table = datasets.load_dataset("json", data_files=data_files["theorems"], split="train")
    assert table.num_rows == summary.theorems
    assert set(table["name"]) == {t.name for t in theorems}


runner = CliRunner()


def test_cli_extracts_stdlib_files_with_the_committed_splits(ray_address: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", "coq", "--library", "stdlib", "--files", "Arith/E*Nat.v",
                                 "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["files"] == report["files_ok"] == 1 and report["theorems"] == 6
    manifest = committed_manifest("coq-stdlib")
    assert manifest is not None
    assert {t.split for t in read_theorems(tmp_path / "theorems.jsonl")} == {manifest.split("Arith/EqNat.v")}
    assert (tmp_path / "splits.json").is_file()


def test_cli_extracts_a_user_directory_with_hash_splits(ray_address: str, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "Sub").mkdir(parents=True)
    (project / "Sub" / "A.v").write_text("Lemma a : True.\nProof. exact I. Qed.\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", "coq", "--library", str(project), "--prefix", "Proj",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"outputs in {out}" in result.stdout
    [theorem] = read_theorems(out / "theorems.jsonl")
    assert theorem.qualified_name == "Proj.Sub.A.a" and theorem.replayed
    assert theorem.split == split_of("Proj", "Sub/A.v")


def test_cli_bad_input_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["extract", "coq", "--library", "nosuch"])
    assert unknown.exit_code == 2 and "neither a known library" in unknown.stderr
    no_prefix = runner.invoke(app, ["extract", "coq", "--library", str(tmp_path)])
    assert no_prefix.exit_code == 2 and "prefix" in no_prefix.stderr
    no_match = runner.invoke(app, ["extract", "coq", "--library", "stdlib", "--files", "Nope/*.v"])
    assert no_match.exit_code == 2 and "matches" in no_match.stderr
    help_text = runner.invoke(app, ["extract", "coq", "--help"]).stdout
    for option in ("--library", "--prefix", "--out", "--workers", "--address", "--files", "--limit",
                   "--file-timeout", "--retries", "--json"):
        assert option in help_text
