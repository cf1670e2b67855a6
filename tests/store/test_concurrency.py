"""Two processes writing attempts to one SQLite file lose no row and duplicate none."""

from __future__ import annotations

import multiprocessing

from prover.envs.base import Theorem
from prover.store import AttemptRecord, RunInfo, open_store

PER_WORKER = 50


def _worker(url: str, run_id: str, theorem_ids: list[int]) -> int:
    written = 0
    with open_store(url) as store:
        for theorem_id in theorem_ids:
            written += store.record_attempt(
                AttemptRecord(run_id, theorem_id, "solved", proof="auto.", seconds=0.1)
            )
    return written


def test_two_writer_processes_lose_nothing(sqlite_url: str) -> None:
    theorems = [Theorem(f"t{i}", f"Theorem t{i} : True.") for i in range(2 * PER_WORKER)]
    with open_store(sqlite_url) as store:
        store.migrate()
        store.start_run(RunInfo("r1"))
        ids = list(store.add_theorems(store.upsert_benchmark("b"), theorems).values())
    # Each worker writes its own 50 and then tries the other's 50: overlap must not duplicate.
    halves = [ids[:PER_WORKER] + ids[PER_WORKER:], ids[PER_WORKER:] + ids[:PER_WORKER]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        written = pool.starmap(_worker, [(sqlite_url, "r1", half) for half in halves])
    assert sum(written) == 2 * PER_WORKER
    with open_store(sqlite_url) as store:
        attempts = store.attempts("r1")
        assert len(attempts) == 2 * PER_WORKER
        assert sorted(a.theorem_id for a in attempts) == sorted(ids)
        assert store.done_theorems("r1") == {t.key for t in theorems}
