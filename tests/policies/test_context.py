"""The context policy: tactics from the state's own hypotheses, variables and constants, and
searches with it alone that prove real theorems no library lemma is needed for."""

from __future__ import annotations

import pytest

from prover.envs.base import Goal, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.policies.base import TacticPolicy
from prover.policies.context import ContextPolicy, goal_constants, is_statement
from prover.search.mps import MultiPerspectiveSearch
from prover.search.tree import PolicySlot

GOAL = Goal(("x, y : nat", "H : x = y + 1", "Hb : A /\\ B", "Hok : Ok s"), "double x = S (y + y + 1)")


def tactics(goal: Goal, k: int = 100) -> list[str]:
    return [s.tactic for s in ContextPolicy().suggest(ProofState((goal,)), Theorem("t", "Lemma t : True."), k)]


def test_statements_and_data_are_told_apart() -> None:
    assert is_statement("x = y + 1") and is_statement("A /\\ B") and is_statement("Ok s")
    assert is_statement("forall n, P n") and is_statement("~ In x l")
    assert not is_statement("nat") and not is_statement("list nat") and not is_statement("Z")


def test_tactics_name_what_the_state_has() -> None:
    out = tactics(GOAL)
    assert out[:2] == ["apply Hok.", "now apply Hok."]  # the newest hypothesis first
    assert {"rewrite H.", "rewrite <- H.", "apply H."} <= set(out)
    assert "destruct Hb." in out and "rewrite Hb." not in out
    assert {"destruct x.", "induction x.", "destruct y."} <= set(out) and "apply x." not in out
    assert "unfold double." in out and "unfold x." not in out  # locals are not constants
    assert out[-1] == "easy." and len(out) == len(set(out))
    assert len(tactics(GOAL, 5)) == 5 and tactics(GOAL, 0) == []
    assert goal_constants(GOAL, {"x", "y"}) == ["double", "S"]
    assert isinstance(ContextPolicy(), TacticPolicy)


@pytest.mark.parametrize("theorem", [
    # rewriting with a hypothesis, both ways
    Theorem("hyp_rw", "Lemma hyp_rw : forall a b c : nat, a = b -> b = c -> c = a.", ""),
    # unfolding a local definition, then case analysis on a variable
    Theorem("neg_inv", "Lemma neg_inv : forall b : bool, flip (flip b) = b.",
            "Definition flip (b : bool) := if b then false else true."),
    # taking a conjunction apart and using its halves
    Theorem("conj_swap", "Lemma conj_swap : forall P Q : Prop, P /\\ Q -> Q /\\ P.", ""),
], ids=lambda t: t.name)
def test_a_search_with_only_the_context_proves_it(env: CoqEnv, theorem: Theorem) -> None:
    search = MultiPerspectiveSearch([PolicySlot(ContextPolicy(), 40)], max_expansions=60, max_tactic_calls=3000)
    attempt = search.attempt(env, theorem, 60)
    assert attempt.status == "solved", attempt.reason
    assert attempt.proof is not None and env.check(theorem, attempt.proof).accepted
