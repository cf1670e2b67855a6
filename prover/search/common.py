"""What the tree searches share: attempts over `tree_search`, and policies, budget and settings from a config."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from prover.search.budget import Budget
from prover.search.tree import Frontier, PolicySlot, TreeSettings, tree_search

if TYPE_CHECKING:
    from prover.config import ProverConfig, SearchConfig
    from prover.envs.base import Env, ProofState, Theorem
    from prover.policies.base import ProofAttempt


class TreeSearchProver(ABC):
    """A `Prover` that runs `tree_search` within a budget; a search differs only in its frontier."""

    def __init__(self, slots: Sequence[PolicySlot], settings: TreeSettings, max_expansions: int,
                 max_tactic_calls: int) -> None:
        self.slots = tuple(slots)
        self.settings = settings
        self.max_expansions = max_expansions
        self.max_tactic_calls = max_tactic_calls

    @abstractmethod
    def frontier(self, theorem: Theorem) -> Frontier:
        """A fresh, empty frontier for one attempt at `theorem`."""

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        return self.attempt_from(env, theorem, None, budget_seconds)

    def attempt_from(self, env: Env, theorem: Theorem, root: ProofState | None,
                     budget_seconds: float) -> ProofAttempt:
        """Search from `root` (a state of `env`'s current proof of `theorem`; None: its start)."""
        budget = Budget(budget_seconds, self.max_expansions, self.max_tactic_calls)
        return tree_search(env, theorem, self.slots, self.frontier(theorem), budget, self.settings, root)


def slots_from_config(config: ProverConfig) -> tuple[PolicySlot, ...]:
    """Each configured policy, built now, with its `k`."""
    from prover.config import build_policy

    return tuple(PolicySlot(build_policy(p), p.k) for p in config.policies)


def settings_from_config(search: SearchConfig) -> TreeSettings:
    return TreeSettings(search.per_tactic_seconds, search.hammer_seconds, search.hammer_max_depth, search.max_depth,
                        search.hammer_after)

