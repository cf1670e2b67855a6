"""Every record type survives a round trip through the store."""

from __future__ import annotations

import pytest

from prover.data.premises import Premise
from prover.envs.base import Theorem
from prover.errors import ConfigError
from prover.store import AttemptRecord, RunInfo, SearchStep, Store, TaskResultInfo, header_hash

THEOREMS = (
    Theorem("add_0", "Theorem add_0 : forall n, n + 0 = n.", header="Require Import Arith.", split="test"),
    Theorem("t2", "theorem t2 : 1 + 1 = 2 := by", backend="lean", source="minif2f:7", module="Mathlib"),
)


def test_run_round_trip_and_resume(store: Store) -> None:
    started = store.start_run(RunInfo("r1", '{"beam": 8}', "abc123", "box"))
    assert started.status == "running"
    assert started.started_at is not None
    assert started.started_at.tzinfo is not None
    assert store.runs() == [started]
    store.finish_run("r1", "killed")
    killed = store.run("r1")
    assert killed.status == "killed"
    assert killed.finished_at is not None
    resumed = store.start_run(RunInfo("r1", '{"beam": 8}', "abc123", "box"))
    assert resumed.status == "running"
    assert resumed.finished_at is None
    assert resumed.started_at == started.started_at
    with pytest.raises(ConfigError, match="different config"):
        store.start_run(RunInfo("r1", '{"beam": 16}'))
    fresh = store.start_run(RunInfo(config_json="{}"))
    assert len(fresh.id) == 32
    assert [run.id for run in store.runs()] == ["r1", fresh.id]


def test_finish_run_rejects_unknown_runs_and_statuses(store: Store) -> None:
    store.start_run(RunInfo("r1"))
    with pytest.raises(ConfigError, match="no run 'nope'"):
        store.finish_run("nope")
    with pytest.raises(ConfigError, match="run status 'done'"):
        store.finish_run("r1", "done")


def test_benchmarks_and_theorems(store: Store) -> None:
    bench = store.upsert_benchmark("minif2f", "test")
    assert store.upsert_benchmark("minif2f", "test") == bench
    assert store.upsert_benchmark("minif2f", "valid") != bench
    ids = store.add_theorems(bench, THEOREMS)
    assert set(ids) == {t.key for t in THEOREMS}
    assert store.add_theorems(bench, THEOREMS[:1]) == {THEOREMS[0].key: ids[THEOREMS[0].key]}
    stored = store.theorems(bench)
    assert [(s.id, s.key, s.name, s.backend) for s in stored] == [
        (ids[t.key], t.key, t.name, t.backend) for t in THEOREMS
    ]
    first, second = stored
    assert first.header_hash == header_hash("Require  Import Arith.\n")
    assert (first.split, first.module, first.source) == ("test", None, None)
    assert (second.split, second.module, second.source) == (None, "Mathlib", "minif2f:7")
    assert second.statement == THEOREMS[1].statement


def test_attempt_and_steps_round_trip(store: Store) -> None:
    store.start_run(RunInfo("r1"))
    ids = store.add_theorems(store.upsert_benchmark("b"), THEOREMS)
    record = AttemptRecord(
        run_id="r1",
        theorem_id=ids[THEOREMS[0].key],
        status="solved",
        proof="intros.\nauto.",
        verdict_accepted=True,
        verdict_reason="accepted",
        axioms=("Classical.classic",),
        seconds=1.5,
        expansions=7,
        tactic_calls=12,
        tokens=345,
    )
    steps = (
        SearchStep("intros.", "automation", "state", 3.0, "f1"),
        SearchStep("auto.", "automation", "finished", 4.5, None, parent=0),
        SearchStep("lia.", "llm", "error", 1.0, None, parent=0),
    )
    assert store.record_attempt(record, steps)
    (stored,) = store.attempts("r1")
    assert stored == record
    assert stored.id is not None
    assert store.attempt_id("r1", record.theorem_id) == stored.id
    assert store.steps(stored.id) == list(steps)
    more = store.record_steps(stored.id, [SearchStep("simpl.", "llm", "state", 2.0, "f2")])
    assert len(more) == 1
    assert store.steps(stored.id)[-1].tactic == "simpl."


def test_steps_need_earlier_parents(store: Store) -> None:
    store.start_run(RunInfo("r1"))
    ids = store.add_theorems(store.upsert_benchmark("b"), THEOREMS)
    record = AttemptRecord("r1", ids[THEOREMS[0].key], "failed")
    with pytest.raises(ConfigError, match="parent must come earlier"):
        store.record_attempt(record, [SearchStep("a.", "p", "state", parent=0)])
    assert store.attempts("r1") == []  # the attempt rolled back with its steps


def test_attempt_status_is_checked(store: Store) -> None:
    with pytest.raises(ConfigError, match="attempt status 'maybe'"):
        store.record_attempt(AttemptRecord("r1", 1, "maybe"))


def test_premises(store: Store) -> None:
    premises = [
        Premise(
            "Nat.add_comm", "forall n m, n + m = m + n", "Theorem", "Coq.Arith.PeanoNat", "PeanoNat.v", 10
        ),
        Premise("Nat.add", "nat -> nat -> nat", "Definition", "Coq.Init.Nat", "", 0),
    ]
    assert store.add_premises(premises) == 2
    assert store.add_premises(premises) == 0
    assert store.add_premises([]) == 0
    assert store.premises() == sorted(premises, key=lambda p: p.name)
    assert store.premises("Coq.Init.Nat") == [premises[1]]


def test_task_results(store: Store) -> None:
    store.start_run(RunInfo("r1"))
    result = TaskResultInfo("r1", "verina", "verina_basic_12", "solved", '{"tests": 5}', 2.5)
    assert store.record_task_result(result)
    assert not store.record_task_result(TaskResultInfo("r1", "verina", "verina_basic_12", "failed"))
    assert store.record_task_result(TaskResultInfo("r1", "refute", "verina_basic_12", "error"))
    assert store.task_results("r1", "verina") == [result]
    assert [r.task_kind for r in store.task_results("r1")] == ["verina", "refute"]
