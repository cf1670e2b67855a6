"""Two cheap rankings that need no index on disk, built from the corpus when it loads.

- *Nearby*: premises of the theorem's own module declared before it, nearest first. In the
  Coq standard library 38% of the constants a proof uses come from its own file (validation
  split), most within a few dozen lines above it.
- *Named in the goal*: premises the goal's text names (``Nat.add``, ``app``, ``S``): the
  definitions a proof unfolds and the constructors it matches on.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from prover.data.premises import Premise

__all__ = ["NameIndex", "NearbyIndex", "Position"]

_IDENT = re.compile(r"(?<![\w'.])[^\W\d][\w']*(?:\.[^\W\d][\w']*)*")
SUFFIXES = 3
"""Dotted suffixes of a name a goal may print: ``add``, ``Nat.add``, ``PeanoNat.Nat.add``."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where the theorem being proved is declared."""

    module: str
    """Its file's logical module (``Coq.Arith.PeanoNat``)."""
    line: int
    """1-based line of its statement."""


class NearbyIndex:
    """The premises of each module, by declaring line."""

    def __init__(self, premises: Sequence[Premise]) -> None:
        grouped: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for position, premise in enumerate(premises):
            if premise.line > 0:
                grouped[premise.module].append((premise.line, position))
        self._lines: dict[str, list[int]] = {}
        self._ids: dict[str, np.ndarray] = {}
        for module, items in grouped.items():
            items.sort()
            self._lines[module] = [line for line, _ in items]
            self._ids[module] = np.array([i for _, i in items], dtype=np.int64)

    def ranking(self, position: Position, allowed: np.ndarray | None, depth: int) -> np.ndarray:
        """Up to `depth` premises of `position`'s module declared above it, nearest first."""
        lines = self._lines.get(position.module)
        if not lines:
            return np.zeros(0, dtype=np.int64)
        before = self._ids[position.module][: bisect.bisect_left(lines, position.line)][::-1]
        if allowed is not None:
            before = before[allowed[before]]
        return before[:depth]


class NameIndex:
    """Premises by the dotted suffixes of their names."""

    def __init__(self, premises: Sequence[Premise]) -> None:
        self._by_suffix: dict[str, list[int]] = defaultdict(list)
        for position, premise in enumerate(premises):
            parts = premise.name.split(".")
            for size in range(1, min(SUFFIXES, len(parts)) + 1):
                self._by_suffix[".".join(parts[-size:])].append(position)

    def named(self, text: str, allowed: np.ndarray | None) -> np.ndarray:
        """The premises `text` names, each once, in no particular order (among `allowed`)."""
        found = {i for name in set(_IDENT.findall(text)) for i in self._by_suffix.get(name, ())}
        ids = np.array(sorted(found), dtype=np.int64)
        return ids[allowed[ids]] if allowed is not None and len(ids) else ids
