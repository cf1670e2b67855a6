"""Policies and provers: what proposes tactics or proofs, and what turns them into attempts.

A *policy* proposes tactics for a state (``suggest(state, theorem, k) -> [(tactic, score)]``).
A *prover* is the unit `prover eval` runs: it gets a warm env and a theorem with a time
budget and returns a `ProofAttempt`, never raising for infrastructure failures.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from prover.envs.base import Env, Theorem
from prover.policies.automation import AutomationPolicy, AutomationProver, ProofAttempt, prove_with_portfolio

__all__ = ["AutomationPolicy", "AutomationProver", "ProofAttempt", "Prover", "prove_with_portfolio"]


@runtime_checkable
class Prover(Protocol):
    """Something that tries to prove one theorem in a warm env within a time budget."""

    name: str

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        """Try to prove `theorem` in `env` within about `budget_seconds`; never raises for
        infrastructure errors (they become ``status="error"``)."""
        ...
