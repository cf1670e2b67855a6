"""The states an env has handed out for its current proof, by id.

Each id maps to what the env needs to rebuild that state (its tactic path from the root), so
any earlier state can be the parent of a tactic. Ids keep counting across proofs, so a state of
an earlier proof is never mistaken for one of the current proof.
"""

from __future__ import annotations

import itertools
from typing import Generic, TypeVar

from prover.envs.base import ProofFinished, ProofState
from prover.errors import StaleStateError

Node = TypeVar("Node")


class StateTable(Generic[Node]):
    """Ids for the current proof's states, each with its node."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._nodes: dict[int, Node] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    def clear(self) -> None:
        """Forget every state: a new proof begins."""
        self._nodes.clear()

    def add(self, node: Node) -> int:
        """A fresh id for a state that `node` rebuilds."""
        state_id = next(self._ids)
        self._nodes[state_id] = node
        return state_id

    def node(self, state: ProofState | ProofFinished) -> Node:
        """The node of `state`; StaleStateError when it is not a state of the current proof."""
        try:
            return self._nodes[state.id]
        except KeyError:
            raise StaleStateError(f"state {state.id} does not belong to this env's current proof") from None
