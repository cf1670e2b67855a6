"""Best-first search: expand the open state with the highest path log-probability.

With `length_normalize`, the path score is divided by its length (mean log-probability),
which stops the search from preferring shallow states only because they have fewer terms.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from prover.envs.base import Env, ProofState, Theorem
from prover.policies.base import ProofAttempt
from prover.search.budget import Budget
from prover.search.common import settings_from_config, slots_from_config
from prover.search.tree import DEFAULT_TREE_SETTINGS, Node, PolicySlot, TreeSettings, tree_search

if TYPE_CHECKING:
    from prover.config import ProverConfig


class ScoreFrontier:
    """A max-heap of nodes on path score (ties: first pushed first)."""

    def __init__(self, length_normalize: bool = False) -> None:
        self.length_normalize = length_normalize
        self._heap: list[tuple[float, int, Node]] = []
        self._order = itertools.count()

    def score(self, node: Node) -> float:
        if self.length_normalize and node.state.depth > 0:
            return node.logprob / node.state.depth
        return node.logprob

    def push(self, node: Node) -> None:
        heapq.heappush(self._heap, (-self.score(node), next(self._order), node))

    def pop(self) -> Node | None:
        return heapq.heappop(self._heap)[2] if self._heap else None


class BestFirstSearch:
    """A `Prover`: best-first search over `slots` within a budget."""

    name = "best_first"

    def __init__(self, slots: Sequence[PolicySlot], settings: TreeSettings = DEFAULT_TREE_SETTINGS,
                 length_normalize: bool = False, max_expansions: int = 200, max_tactic_calls: int = 2000) -> None:
        self.slots = tuple(slots)
        self.settings = settings
        self.length_normalize = length_normalize
        self.max_expansions = max_expansions
        self.max_tactic_calls = max_tactic_calls

    @classmethod
    def from_config(cls, config: ProverConfig) -> Self:
        s = config.search
        return cls(slots_from_config(config), settings_from_config(s), s.length_normalize, s.max_expansions,
                   s.max_tactic_calls)

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        return self.attempt_from(env, theorem, None, budget_seconds)

    def attempt_from(self, env: Env, theorem: Theorem, root: ProofState | None,
                     budget_seconds: float) -> ProofAttempt:
        """Search from `root` (a state of `env`'s current proof of `theorem`; None: its start)."""
        budget = Budget(budget_seconds, self.max_expansions, self.max_tactic_calls)
        return tree_search(env, theorem, self.slots, ScoreFrontier(self.length_normalize), budget, self.settings, root)

