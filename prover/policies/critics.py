"""Critics: score a proof state by how close to finished it looks (higher is better).

`HeuristicCritic` needs no model: fewer goals, smaller goals and fewer hypotheses-free
existentials score higher. Scores are on a log scale (at most 0), so they add to a path's
log-probability. The model-backed critic lives in `prover.policies.hf`.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from prover.envs.base import ProofState, Theorem


@runtime_checkable
class Critic(Protocol):
    """Scores states of `theorem`; higher means more promising."""

    name: str

    def score(self, state: ProofState, theorem: Theorem) -> float: ...


class HeuristicCritic:
    """Goal count, goal size and leftover existentials, as a log-scale penalty.

    Each open goal costs `goal_weight`, each 100 characters of conclusion `size_weight`, and
    each ``exists``/evar (``?x``) in a conclusion `evar_weight`: goals with unresolved
    witnesses are the ones automation fails on.
    """

    name = "heuristic"

    def __init__(self, goal_weight: float = 1.0, size_weight: float = 0.5, evar_weight: float = 0.5) -> None:
        self.goal_weight = goal_weight
        self.size_weight = size_weight
        self.evar_weight = evar_weight

    def score(self, state: ProofState, theorem: Theorem) -> float:
        del theorem
        goals = (*state.goals, *state.pending)
        if not goals:
            return 0.0
        size = sum(len(g.conclusion) for g in goals) / 100.0
        evars = sum(g.conclusion.count("exists") + g.conclusion.count("?") for g in goals)
        penalty = self.goal_weight * len(goals) + self.size_weight * math.log1p(size) + self.evar_weight * evars
        return -penalty
