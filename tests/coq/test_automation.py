"""The automation baseline against a real coqidetop: portfolio, budget, checked proofs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from prover.envs.base import ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies import AutomationPolicy, AutomationProver, ProofAttempt, Prover, prove_with_portfolio
from prover.policies.automation import PORTFOLIO_COQ
from tests.conftest import needs_coq

pytestmark = needs_coq

LIA_HEADER = "Require Import Arith Lia."
ARITH = Theorem("lin", "Lemma lin : forall x y : nat, x < y -> 2 * x + 1 < 2 * y + 3.", LIA_HEADER)
TAUTO = Theorem("taut", "Lemma taut : forall A B C : Prop, (A -> B) -> (B -> C) -> A /\\ ~ C -> False.")
REV_REV = Theorem("rev_rev", "Lemma rev_rev : forall (A : Type) (l : list A), rev (rev l) = l.",
                  "Require Import List.")
FALSE = Theorem("wrong", "Lemma wrong : forall n : nat, n + 1 = n.", LIA_HEADER)
HAMMER = Theorem("ex_q", "Lemma ex_q : forall P Q : nat -> Prop, (forall n, P n -> Q n) -> P 3 -> exists m, Q m.",
                 "From Hammer Require Import Tactics.\nRequire Import List.")
NO_LIA = Theorem("no_lia", "Lemma no_lia : forall n : nat, n <= n + 1.")


@pytest.fixture(scope="module")
def env(coq_env: CoqEnv) -> CoqEnv:
    return coq_env


@pytest.fixture(scope="module")
def checker() -> Iterator[CoqEnv]:
    with CoqEnv() as fresh:
        yield fresh


def solved(attempt: ProofAttempt, theorem: Theorem, checker: CoqEnv) -> str:
    assert attempt.status == "solved", attempt
    assert attempt.theorem == theorem.key
    assert attempt.reason == "accepted"
    assert attempt.proof is not None
    assert checker.check(theorem, attempt.proof).accepted, attempt.proof
    return attempt.proof


def test_policy_suggests_the_portfolio_cheapest_first() -> None:
    policy = AutomationPolicy()
    state = ProofState(goals=())  # suggest does not look at the state
    ranked = policy.suggest(state, ARITH, 5)
    assert [s.tactic for s in ranked] == list(PORTFOLIO_COQ[:5])
    assert {s.policy for s in ranked} == {"automation"}
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 5
    assert len(policy.suggest(state, ARITH, 100)) == len(PORTFOLIO_COQ)
    assert {"lia.", "firstorder.", "congruence.", "sauto."} <= set(PORTFOLIO_COQ)


def test_arith_solved_by_lia(env: CoqEnv, checker: CoqEnv) -> None:
    solved(prove_with_portfolio(env, ARITH, 10), ARITH, checker)
    only_lia = prove_with_portfolio(env, ARITH, 10, portfolio=("lia.",))
    assert solved(only_lia, ARITH, checker) == "lia."


def test_lia_without_its_header_fails_fast(env: CoqEnv) -> None:
    attempt = prove_with_portfolio(env, NO_LIA, 10, portfolio=("lia.", "intros; lia.", "nia."))
    assert attempt.status == "failed"
    assert attempt.tactic_calls == 2  # the unknown lia also skips its intros variant
    assert attempt.seconds < 3


def test_tautology(env: CoqEnv, checker: CoqEnv) -> None:
    solved(prove_with_portfolio(env, TAUTO, 10), TAUTO, checker)
    solved(prove_with_portfolio(env, TAUTO, 10, portfolio=("firstorder.",)), TAUTO, checker)


def test_induction_lemma_and_false_statement_fail(env: CoqEnv) -> None:
    for theorem in (REV_REV, FALSE):
        attempt = prove_with_portfolio(env, theorem, 20)
        assert attempt.status == "failed", attempt
        assert attempt.proof is None
        assert attempt.tactic_calls > 5


def test_sauto_when_the_header_loads_hammer(env: CoqEnv, checker: CoqEnv) -> None:
    attempt = prove_with_portfolio(env, HAMMER, 10, portfolio=("sauto.",))
    assert solved(attempt, HAMMER, checker) == "sauto."
    solved(AutomationProver().attempt(env, HAMMER, 10), HAMMER, checker)


def test_budget_is_honoured(env: CoqEnv) -> None:
    slow = ("do 1000000000 idtac.",) * 20
    started = time.monotonic()
    attempt = prove_with_portfolio(env, NO_LIA, 4, per_tactic_seconds=1.5, portfolio=slow)
    assert time.monotonic() - started < 4 + 3
    assert attempt.status == "timeout", attempt
    assert 1 <= attempt.tactic_calls < 20


def test_infrastructure_errors_become_status_error(env: CoqEnv) -> None:
    broken = Theorem("b", "Lemma b : True.", "Require Import NoSuchLibraryAnywhere.")
    attempt = prove_with_portfolio(env, broken, 5)
    assert attempt.status == "error"
    assert "NoSuchLibraryAnywhere" in attempt.reason or "Init" in attempt.reason
    assert attempt.proof is None
    again = AutomationProver().attempt(env, TAUTO, 10)  # the env is still usable
    assert again.solved


def test_prover_protocol() -> None:
    prover = AutomationProver()
    assert isinstance(prover, Prover)
    assert prover.name == "automation"
