"""The Coq port of miniF2F through real Coq: loaded problems start, prove and check in CoqEnv.

This drives a real coqidetop (skipped without one), so that `prover eval --benchmark
minif2f-rocq` gets theorems Coq accepts as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.data.benchmarks import load_minif2f_rocq
from prover.envs.base import ProofFinished, ProofState
from prover.envs.coq.env import CoqEnv
from tests.conftest import needs_coq

ROCQ = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks" / "minif2f-rocq"

PROOFS = {
    "mathd_numbertheory_9002": "reflexivity.",
    "mathd_algebra_9004": "intros x h. lia.",
    "amc12_9003": "intros a b h1 h2. lra.",
}

pytestmark = needs_coq


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as coq:
        yield coq


@pytest.mark.parametrize("name", sorted(PROOFS))
def test_loaded_problems_start_and_prove(env: CoqEnv, name: str) -> None:
    (theorem,) = [t for t in load_minif2f_rocq(ROCQ) if t.name == name]
    root = env.start(theorem)
    assert isinstance(root, ProofState) and len(root.goals) == 1
    state: ProofState | ProofFinished = root
    for tactic in PROOFS[name].split(". "):
        assert isinstance(state, ProofState)
        state = env.run_tactic(state, tactic if tactic.endswith(".") else tactic + ".")
    assert isinstance(state, ProofFinished)
    verdict = env.check(theorem, PROOFS[name])
    assert verdict.accepted, verdict


def test_gold_proof_checks_and_cheats_do_not(env: CoqEnv) -> None:
    by_name = {t.name: t for t in load_minif2f_rocq(ROCQ, "valid")}
    gold = by_name["induction_9005"]
    assert gold.gold_proof is not None
    assert env.check(gold, gold.gold_proof).accepted
    assert not env.check(by_name["amc12_9003"], "Admitted.").accepted
    assert not env.check(by_name["amc12_9003"], "intros a b h1 h2. admit. Qed.").accepted
