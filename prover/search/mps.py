"""Multi-perspective search: several scorers take turns choosing the next node to expand.

Each `Perspective` ranks the open nodes its own way (a critic, fewest goals, shortest
state, path log-probability with a penalty for repeated tactics). Expansion goes round the
perspectives in turn, each nominating its best node not yet expanded, so no single biased
scorer owns the budget: a state that one scorer ranks last can still be expanded early
because another ranks it first.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from prover.envs.base import Theorem
from prover.policies.critics import Critic, HeuristicCritic
from prover.search.common import TreeSearchProver, settings_from_config, slots_from_config
from prover.search.tree import DEFAULT_TREE_SETTINGS, Node, PolicySlot, TreeSettings

if TYPE_CHECKING:
    from prover.config import ProverConfig

REPEAT_PENALTY = 2.0
"""Log-score cost of each tactic that repeats an earlier one on the same path."""


@dataclass(frozen=True, slots=True)
class Perspective:
    """A named way of scoring nodes (higher is better)."""

    name: str
    score: Callable[[Node], float]


def fewest_goals(node: Node) -> float:
    """Fewer goals (focused and pending) first: every case split costs one."""
    return -float(len(node.state.goals) + len(node.state.pending))


def shortest_state(node: Node) -> float:
    """Less text first: smaller goals are usually closer to what automation closes."""
    return -float(sum(len(g.conclusion) + sum(map(len, g.hypotheses)) for g in node.state.goals))


def policy_score(node: Node) -> float:
    """Path log-probability, less `REPEAT_PENALTY` per repeated tactic on the path."""
    return node.logprob - REPEAT_PENALTY * node.repeats


def perspectives_for(critic: Critic | None, theorem: Theorem) -> tuple[Perspective, ...]:
    """The standard perspectives, with `critic` first when there is one."""
    standard = (
        Perspective("policy", policy_score),
        Perspective("goals", fewest_goals),
        Perspective("size", shortest_state),
    )
    if critic is None:
        return standard
    return (Perspective(critic.name, lambda node: critic.score(node.state, theorem)), *standard)


class RoundRobinFrontier:
    """One heap per perspective; `pop` asks them in turn for their best unexpanded node."""

    def __init__(self, perspectives: Sequence[Perspective]) -> None:
        if not perspectives:
            raise ValueError("a multi-perspective frontier needs at least one perspective")
        self.perspectives = tuple(perspectives)
        self._heaps: list[list[tuple[float, int, Node]]] = [[] for _ in self.perspectives]
        self._order = itertools.count()
        self._taken: set[int] = set()
        self._turn = 0
        self.nominations: dict[str, int] = {p.name: 0 for p in self.perspectives}
        """How many expansions each perspective chose (for reports and tests)."""

    def push(self, node: Node) -> None:
        order = next(self._order)
        for heap, perspective in zip(self._heaps, self.perspectives, strict=True):
            heapq.heappush(heap, (-perspective.score(node), order, node))

    def pop(self) -> Node | None:
        for _ in range(len(self.perspectives)):
            index = self._turn
            self._turn = (self._turn + 1) % len(self.perspectives)
            heap = self._heaps[index]
            while heap:
                node = heapq.heappop(heap)[2]
                if id(node) not in self._taken:
                    self._taken.add(id(node))
                    self.nominations[self.perspectives[index].name] += 1
                    return node
        return None


class MultiPerspectiveSearch(TreeSearchProver):
    """A `Prover`: tree search whose expansions rotate over several perspectives."""

    name = "mps"

    def __init__(self, slots: Sequence[PolicySlot], critic: Critic | None = None,
                 settings: TreeSettings = DEFAULT_TREE_SETTINGS, max_expansions: int = 200,
                 max_tactic_calls: int = 2000) -> None:
        super().__init__(slots, settings, max_expansions, max_tactic_calls)
        self.critic = critic

    @classmethod
    def from_config(cls, config: ProverConfig) -> Self:
        s = config.search
        return cls(slots_from_config(config), critic_from_config(s.critic, s.critic_model),
                   settings_from_config(s), s.max_expansions, s.max_tactic_calls)

    def frontier(self, theorem: Theorem) -> RoundRobinFrontier:
        return RoundRobinFrontier(perspectives_for(self.critic, theorem))


def critic_from_config(kind: str, model: str | None) -> Critic | None:
    """The configured critic; the model-backed one is imported only when asked for."""
    if kind == "none":
        return None
    if kind == "heuristic":
        return HeuristicCritic()
    from prover.config import load_class
    from prover.errors import ConfigError

    if model is None:
        raise ConfigError("critic = 'hf' needs critic_model (a local model path) in [search]")
    critic: Critic = load_class("prover.policies.hf:ModelCritic")(model)
    return critic
