"""Proof search over tactic policies: best-first, multi-perspective and first-finish.

Every search is a `prover.policies.base.Prover`: it de-duplicates states by fingerprint,
honours a `Budget` (wall seconds, expansions, tactic calls), returns its tree as
`ProofAttempt.steps`, and calls a proof solved only when `Env.check` accepts it.
"""

from __future__ import annotations

from prover.search.best_first import BestFirstSearch
from prover.search.budget import Budget
from prover.search.ffs import FirstFinishSearch, SampleSlot
from prover.search.mps import MultiPerspectiveSearch
from prover.search.prelude import WithPrelude, with_prelude
from prover.search.tree import PolicySlot, TreeSettings, tree_search

__all__ = [
    "BestFirstSearch",
    "Budget",
    "FirstFinishSearch",
    "MultiPerspectiveSearch",
    "PolicySlot",
    "SampleSlot",
    "TreeSettings",
    "WithPrelude",
    "tree_search",
    "with_prelude",
]
