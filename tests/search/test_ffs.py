"""First-finish search on real Coq: whole-proof samples, the first accepted wins, the rest cancelled."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest

from prover.envs.base import Env, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies.automation import AutomationPolicy
from prover.policies.base import ProofPolicy, ProofSample
from prover.search.ffs import FirstFinishSearch, SampleSlot
from tests.conftest import needs_coq

pytestmark = needs_coq

ARITH = Theorem("lin", "Lemma lin : forall x y : nat, x < y -> 2 * x + 1 < 2 * y + 3.", "Require Import Lia.")
LOOP = "do 100000000 idtac. lia."


class Samples:
    """A proof policy with chosen samples (adversarial ones included)."""

    def __init__(self, *proofs: str) -> None:
        self.proofs = proofs
        self.name = "samples"

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]:
        return [ProofSample(p, -float(i), self.name, tokens=3) for i, p in enumerate(self.proofs[:n])]


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as session:
        yield session


def test_in_turn_first_accepted_wins_and_cheats_lose(env: CoqEnv) -> None:
    policy = Samples("admit.", "intros. Admitted.", "exact I.", "intros; lia.", "lia.", "lia.")
    assert isinstance(policy, ProofPolicy)
    attempt = FirstFinishSearch([SampleSlot(policy, 6)]).attempt(env, ARITH, 60)
    assert attempt.status == "solved" and attempt.proof == "intros; lia."
    assert [s.outcome for s in attempt.steps] == ["error", "error", "error", "finished"]  # lia. twice: one sample
    assert attempt.tokens == 15 and attempt.tactic_calls == 4
    assert env.check(ARITH, attempt.proof).accepted


def test_automation_portfolio_as_samples(env: CoqEnv) -> None:
    attempt = FirstFinishSearch([SampleSlot(AutomationPolicy(), 20)]).attempt(env, ARITH, 60)
    assert attempt.status == "solved" and attempt.proof == "lia."


def test_nothing_accepted_is_a_failure(env: CoqEnv) -> None:
    attempt = FirstFinishSearch([SampleSlot(Samples("admit.", "reflexivity."), 2)]).attempt(env, ARITH, 30)
    assert attempt.status == "failed" and attempt.proof is None and "rejection" in attempt.reason
    empty = FirstFinishSearch([SampleSlot(Samples(), 2)]).attempt(env, ARITH, 30)
    assert empty.status == "failed" and "no proof" in empty.reason


def test_parallel_winner_cancels_a_running_check() -> None:
    opened: list[CoqEnv] = []

    def factory(theorem: Theorem) -> Env:
        fresh = CoqEnv()
        opened.append(fresh)
        return fresh

    search = FirstFinishSearch([SampleSlot(Samples(LOOP, "lia."), 2)], workers=2, env_factory=factory)
    started = time.monotonic()
    with CoqEnv() as unused:  # with workers > 1 the caller's env is left alone
        attempt = search.attempt(unused, ARITH, 60)
    elapsed = time.monotonic() - started
    assert attempt.status == "solved" and attempt.proof == "lia."
    assert elapsed < 30  # the looping check (up to the 120 s proof limit) was not waited for
    assert {s.tactic: s.outcome for s in attempt.steps}[LOOP] == "cancelled"
    assert len(opened) == 2
    for env in opened:  # every worker env was closed: no coqidetop outlives the attempt
        assert env.pid is None or not psutil.pid_exists(env.pid) or psutil.Process(env.pid).status() == "zombie"
