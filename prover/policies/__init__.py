"""Policies and provers: what proposes tactics or proofs, and what turns them into attempts.

A *policy* proposes tactics for a state (`TacticPolicy.suggest`) or whole proofs
(`ProofPolicy.sample`). A *prover* is the unit `prover eval` runs: it gets a warm env and a
theorem with a time budget and returns a `ProofAttempt`, never raising for infrastructure
failures. The shared types live in `prover.policies.base`.
"""

from __future__ import annotations

from prover.policies.automation import AutomationPolicy, AutomationProver, prove_with_portfolio
from prover.policies.base import (
    ProofAttempt,
    ProofPolicy,
    ProofSample,
    Prover,
    SearchStep,
    Suggestion,
    TacticPolicy,
)

__all__ = [
    "AutomationPolicy",
    "AutomationProver",
    "ProofAttempt",
    "ProofPolicy",
    "ProofSample",
    "Prover",
    "SearchStep",
    "Suggestion",
    "TacticPolicy",
    "prove_with_portfolio",
]
