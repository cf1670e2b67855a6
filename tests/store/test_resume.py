"""A run never records two attempts at one theorem, and a resume skips what is done."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from prover.envs.base import Theorem
from prover.errors import ConfigError
from prover.store import AttemptRecord, RunInfo, Store
from prover.store.models import Attempt

THEOREMS = tuple(Theorem(f"t{i}", f"Theorem t{i} : {i} = {i}.") for i in range(5))


def _setup(store: Store) -> dict[str, int]:
    store.start_run(RunInfo("r1"))
    store.start_run(RunInfo("r2"))
    return store.add_theorems(store.upsert_benchmark("b"), THEOREMS)


def test_duplicate_attempt_is_ignored(store: Store) -> None:
    ids = _setup(store)
    first = AttemptRecord("r1", ids[THEOREMS[0].key], "solved", proof="reflexivity.")
    assert store.record_attempt(first)
    assert not store.record_attempt(AttemptRecord("r1", ids[THEOREMS[0].key], "failed", error="again"))
    assert store.attempts("r1") == [first]
    assert store.record_attempt(AttemptRecord("r2", ids[THEOREMS[0].key], "failed"))  # other run: fine


def test_raw_duplicate_insert_violates_the_unique_constraint(store: Store) -> None:
    ids = _setup(store)
    assert store.record_attempt(AttemptRecord("r1", ids[THEOREMS[1].key], "timeout"))
    row = {
        "run_id": "r1",
        "theorem_id": ids[THEOREMS[1].key],
        "status": "solved",
        "axioms_json": "[]",
        "seconds": 0.0,
        "expansions": 0,
        "tactic_calls": 0,
        "tokens": 0,
        "created_at": store.run("r1").started_at,
    }
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(Attempt), row)


def test_unknown_run_violates_the_foreign_key(store: Store) -> None:
    ids = _setup(store)
    with pytest.raises(ConfigError, match="not in the store") as caught:
        store.record_attempt(AttemptRecord("ghost", ids[THEOREMS[0].key], "solved"))
    assert isinstance(caught.value.__cause__, IntegrityError)


def test_done_theorems_drive_resume(store: Store) -> None:
    ids = _setup(store)
    assert store.done_theorems("r1") == set()
    for thm, status in zip(THEOREMS[:3], ("solved", "error", "timeout"), strict=True):
        assert store.record_attempt(AttemptRecord("r1", ids[thm.key], status))
    store.record_attempt(AttemptRecord("r2", ids[THEOREMS[4].key], "failed"))
    done = store.done_theorems("r1")
    assert done == {t.key for t in THEOREMS[:3]}
    todo = [t for t in THEOREMS if t.key not in done]
    assert todo == list(THEOREMS[3:])
    assert store.done_theorems("r2") == {THEOREMS[4].key}
