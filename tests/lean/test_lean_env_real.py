"""The whole Env API and the cheat corpus against a real Lean REPL (core Lean, no Mathlib needed)."""

from __future__ import annotations

import pytest

from prover.envs.base import ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.envs.lean.env import LeanEnv

pytestmark = pytest.mark.requires_lean

SWAP = Theorem(name="swap_and", statement="theorem swap_and (a b : Prop) (h : a ∧ b) : b ∧ a", backend="lean")
ADD = Theorem(name="add_zero'", statement="theorem add_zero' (n : Nat) : n + 0 = n", backend="lean")


def test_interaction(lean_env: LeanEnv) -> None:
    s0 = lean_env.start(SWAP)
    assert s0.goals[0].conclusion == "b ∧ a"
    s1 = lean_env.run_tactic(s0, "constructor")
    assert isinstance(s1, ProofState) and len(s1.goals) == 2
    s2 = lean_env.run_tactic(s1, "exact h.2")
    assert isinstance(s2, ProofState)
    assert isinstance(lean_env.run_tactic(s2, "exact h.1"), ProofFinished)
    assert isinstance(lean_env.run_tactic(s1, "exact h.1"), TacticError)  # an earlier parent
    assert isinstance(lean_env.run_tactic(s0, "exact nonexistent_lemma"), TacticError)
    assert isinstance(lean_env.run_tactic(s0, "sorry"), TacticError)


def test_timeout_and_recovery(lean_env: LeanEnv) -> None:
    s0 = lean_env.start(ADD)
    slow = lean_env.run_tactic(s0, "repeat (first | skip | skip)", timeout=2)
    assert isinstance(slow, TacticTimeout | TacticError)
    assert isinstance(lean_env.run_tactic(s0, "simp"), ProofFinished)


def test_check_accepts_real_proofs(lean_env: LeanEnv) -> None:
    for proof in ("simp", "by simp", ":= Nat.add_zero n", "theorem add_zero' (n : Nat) : n + 0 = n := rfl"):
        verdict = lean_env.check(ADD, proof)
        assert verdict.accepted, (proof, verdict)


@pytest.mark.parametrize("cheat", [
    "by decide",  # false for a variable n: an error
    "by native_decide",  # Lean.ofReduceBool is not an allowed axiom
    "by exact absurd rfl (by simp)",
    "theorem add_zero' (n : Nat) : n + 1 = n + 1 := rfl",
    "by\n  induction n",  # unsolved goals
])
def test_check_rejects(lean_env: LeanEnv, cheat: str) -> None:
    verdict = lean_env.check(ADD, cheat)
    assert not verdict.accepted, (cheat, verdict)


def test_check_bounds_non_termination(lean_env: LeanEnv) -> None:
    looping = Theorem(name="loop_t", statement="theorem loop_t : True", backend="lean")
    verdict = lean_env.check(looping, "by\n  repeat (first | skip | skip)\n  trivial")
    assert not verdict.accepted
    assert lean_env.check(looping, "trivial").accepted
