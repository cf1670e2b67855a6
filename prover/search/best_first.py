"""Best-first search: expand the open state with the highest path log-probability.

With `length_normalize`, the path score is divided by its length (mean log-probability),
which stops the search from preferring shallow states only because they have fewer terms.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from prover.envs.base import Theorem
from prover.search.common import TreeSearchProver, settings_from_config, slots_from_config
from prover.search.tree import DEFAULT_TREE_SETTINGS, Node, PolicySlot, TreeSettings

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


class BestFirstSearch(TreeSearchProver):
    """A `Prover`: best-first search over `slots` within a budget."""

    name = "best_first"

    def __init__(self, slots: Sequence[PolicySlot], settings: TreeSettings = DEFAULT_TREE_SETTINGS,
                 length_normalize: bool = False, max_expansions: int = 200, max_tactic_calls: int = 2000) -> None:
        super().__init__(slots, settings, max_expansions, max_tactic_calls)
        self.length_normalize = length_normalize

    @classmethod
    def from_config(cls, config: ProverConfig) -> Self:
        s = config.search
        return cls(slots_from_config(config), settings_from_config(s), s.length_normalize, s.max_expansions,
                   s.max_tactic_calls)

    def frontier(self, theorem: Theorem) -> ScoreFrontier:
        return ScoreFrontier(self.length_normalize)

