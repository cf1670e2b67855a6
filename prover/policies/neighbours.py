"""Nearest goals in memory, and what of a library extraction a theorem may learn from.

`GoalIndex` is a BM25 index (bm25s) over goals, in the k-NN policy's features
(`prover.policies.knn.state_features`), each goal carrying a payload (a tactic, a proof).
`LibraryProofs` reads an extraction (`prover extract`) once and holds what a theorem of that
library may learn from: the training split's proofs, and those of its own file declared
before it (what a user writing the file has in front of them, as Tactician learns online).
Its users leave out the training split's items of the theorem's own module, so a theorem's
own proof, and anything of its file from its line on, is never used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from prover.envs.base import Goal, Theorem
from prover.errors import ConfigError

if TYPE_CHECKING:
    import bm25s

    from prover.data.records import TheoremRecord

T = TypeVar("T")


class GoalIndex(Generic[T]):
    """BM25 over goals; `nearest` gives the payloads of the goals most like a query goal."""

    def __init__(self, goals: Sequence[Goal], payloads: Sequence[T]) -> None:
        import bm25s

        from prover.policies.knn import state_features

        if len(goals) != len(payloads) or not goals:
            raise ValueError("a goal index needs one payload per goal and at least one goal")
        self.payloads = tuple(payloads)
        self._retriever: bm25s.BM25 = bm25s.BM25()
        self._retriever.index([state_features(g) for g in goals], show_progress=False)
        self._vocab: dict[str, int] = self._retriever.vocab_dict

    def __len__(self) -> int:
        return len(self.payloads)

    def nearest(self, goal: Goal, n: int) -> list[tuple[float, T]]:
        """Up to `n` (BM25 score, payload) pairs with a positive score, nearest first."""
        from prover.policies.knn import state_features

        terms = [t for t in state_features(goal) if t in self._vocab]
        if not terms or n <= 0:
            return []
        docs, scores = self._retriever.retrieve([terms], k=min(n, len(self.payloads)), show_progress=False,
                                                n_threads=1)
        return [(float(score), self.payloads[doc])
                for doc, score in zip(docs[0].tolist(), scores[0].tolist(), strict=True) if score > 0]


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """Something learnt from the proof of the theorem declared at `line` of a library file."""

    line: int
    item: T


class LibraryProofs(Generic[T]):
    """What `extract` takes from each replayed proof of an extraction, by file and split.

    `extract` turns one theorem record into the items learnt from it (the (goal, tactic)
    steps of its proof, or its whole proof); `earlier_in_file` hands out a file's, `train`
    holds the training split's with their module.
    """

    def __init__(self, directory: str | os.PathLike[str], extract: Callable[[TheoremRecord], list[T]],
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
                items = [Located(record.line, item) for item in extract(record)]
                self.by_module.setdefault(record.module, []).extend(items)
                if record.split == "train":
                    self.train.extend((record.module, item) for item in items)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (`make data` extracts the standard library into out/extract/stdlib), "
                              f"or pick a prover config without the {policy} policy (`--prover automation`)") from exc

    def earlier_in_file(self, theorem: Theorem) -> list[Located[T]]:
        """The items of the proofs declared before `theorem` in its own file (none for a
        theorem that is not from a library file: no module or no line)."""
        from prover.policies.lemmas import position_of

        position = position_of(theorem)
        if position is None:
            return []
        return [x for x in self.by_module.get(position.module, ()) if x.line < position.line]
