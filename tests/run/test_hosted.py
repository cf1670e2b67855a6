"""A model-backed policy is hosted once per run and shared by the Ray search workers: real
tiny causal LM (random weights, saved and loaded like a real one), real Coq, real Ray."""

from __future__ import annotations

from pathlib import Path

from prover.envs.base import Theorem
from prover.policies.base import ProofAttempt
from prover.run.driver import EvalSpec, run_eval
from prover.run.summary import results, summarize
from prover.store import open_store
from tests.conftest import needs_coq
from tests.policies.tiny_model import build_tiny_model
from tests.run.processes import processes_hosting

pytestmark = needs_coq

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "small.v"


def test_one_model_host_serves_every_worker(tmp_path: Path, sqlite_url: str) -> None:
    model = build_tiny_model(tmp_path / "tiny")
    config = tmp_path / "hf-search.toml"
    config.write_text(f'name = "hf-search"\n[search]\nkind = "best_first"\nmax_expansions = 3\n'
                      f'per_tactic_seconds = 1.0\n[[policies]]\nkind = "hf"\nk = 2\nmodel = "{model}"\n'
                      f'max_tokens = 16\n[[policies]]\nkind = "automation"\nk = 32\n')
    hosts: list[set[int]] = []

    def count_hosts(_theorem: Theorem, _attempt: ProofAttempt) -> None:
        hosts.append({p.pid for p in processes_hosting("PolicyHost")})

    with open_store(sqlite_url) as store:
        store.migrate()
        run_id = run_eval(EvalSpec(benchmark="coq-files", path=str(SMALL), limit=None, prover=str(config),
                                   budget_seconds=20.0, workers=2), store, on_result=count_hosts)
        summary = summarize(store, run_id)
        assert (summary.total, summary.error) == (8, 0), [r.attempt.error for r in results(store, run_id)]
        assert summary.solved >= 5  # the portfolio's; the random model's tactics fail harmlessly
        assert all(len(pids) == 1 for pids in hosts) and len(set().union(*hosts)) == 1  # one host, all run
        used = [r.attempt for r in results(store, run_id)]
        assert sum(a.tokens for a in used) > 0  # tokens the hosted model spent reach the store
        steps = [s for a in used if a.id is not None for s in store.steps(a.id)]
        assert any(s.policy == "hf" for s in steps)
    assert not {p.pid for p in processes_hosting("PolicyHost")}  # the host ends with its run
