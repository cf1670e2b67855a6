"""What of a library extraction a theorem may learn from.

`LibraryProofs` reads an extraction (`prover extract`) once and holds what a theorem of that
library may learn from: the training split's proofs, and those of its own file declared
before it (what a user writing the file has in front of them, as Tactician learns online).
Its users leave out the training split's items of the theorem's own module, so a theorem's
own proof, and anything of its file from its line on, is never used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from prover.envs.base import Goal, Theorem
from prover.errors import ConfigError
from prover.policies.knn import GoalIndex

if TYPE_CHECKING:
    from prover.data.records import TheoremRecord

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """Something learnt from the proof of the theorem declared at `line` of a library file,
    with the goal it belongs to."""

    line: int
    goal: Goal
    item: T


class LibraryProofs(Generic[T]):
    """What `extract` takes from each replayed proof of an extraction, by file and split.

    `extract` turns one theorem record into the (goal, item) pairs learnt from it (each step's
    goal and tactic, or the first goal and the whole proof); `earlier_index` indexes a file's
    items before a theorem, `train` holds the training split's with their module.
    """

    def __init__(self, directory: str | os.PathLike[str], extract: Callable[[TheoremRecord], list[tuple[Goal, T]]],
                 policy: str) -> None:
        from prover.data.loader import load_records

        self.directory = str(directory)
        self.by_module: dict[str, list[Located[T]]] = {}
        self.train: list[tuple[str, Located[T]]] = []
        """(module, item) of the training split's proofs."""
        try:
            for record in load_records(directory):
                if not record.replayed:
                    continue
                items = [Located(record.line, goal, item) for goal, item in extract(record)]
                self.by_module.setdefault(record.module, []).extend(items)
                if record.split == "train":
                    self.train.extend((record.module, item) for item in items)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (`make data` extracts the standard library into out/extract/stdlib), "
                              f"or pick a prover config without the {policy} policy (`--prover automation`)") from exc
        self._for: tuple[str, GoalIndex[T] | None] | None = None
        """The latest theorem's key and its `earlier_index`: a search asks for one theorem at a time."""

    def earlier_in_file(self, theorem: Theorem) -> list[Located[T]]:
        """The items of the proofs declared before `theorem` in its own file (none for a
        theorem that is not from a library file: no module or no line)."""
        from prover.policies.lemmas import position_of

        position = position_of(theorem)
        if position is None:
            return []
        return [x for x in self.by_module.get(position.module, ()) if x.line < position.line]

    def earlier_index(self, theorem: Theorem) -> GoalIndex[T] | None:
        """`earlier_in_file` indexed by goal (None when there is nothing before `theorem`)."""
        if self._for is None or self._for[0] != theorem.key:
            earlier = self.earlier_in_file(theorem)
            self._for = (theorem.key, GoalIndex.of([x.goal for x in earlier], [x.item for x in earlier])
                         if earlier else None)
        return self._for[1]
