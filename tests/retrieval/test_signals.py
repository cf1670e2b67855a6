"""The cheap rankings: premises declared just above the theorem, premises the goal names."""

from __future__ import annotations

import numpy as np

from prover.data.premises import Premise
from prover.retrieval import Position
from prover.retrieval.signals import NameIndex, NearbyIndex


def _premise(name: str, module: str, line: int) -> Premise:
    return Premise(f"{module}.{name}", "", "theorem", module, "", line)


CORPUS = [
    _premise("a", "M.File", 10),
    _premise("b", "M.File", 20),
    _premise("c", "M.File", 30),
    _premise("unknown_line", "M.File", 0),
    _premise("Nat.add", "M.Other", 5),
    _premise("add", "M.Third", 5),
]


def test_nearby_lists_what_precedes_the_theorem_nearest_first() -> None:
    nearby = NearbyIndex(CORPUS)
    assert nearby.ranking(Position("M.File", 25), None, 10).tolist() == [1, 0]
    assert nearby.ranking(Position("M.File", 30), None, 1).tolist() == [1]
    # the theorem's own line is not "before" it; line 0 could be anywhere: never listed
    assert 2 not in nearby.ranking(Position("M.File", 30), None, 10).tolist()
    assert 3 not in nearby.ranking(Position("M.File", 99), None, 10).tolist()
    allowed = np.array([False, True, True, True, True, True])
    assert nearby.ranking(Position("M.File", 99), allowed, 10).tolist() == [2, 1]
    assert nearby.ranking(Position("No.Such", 99), None, 10).tolist() == []


def test_named_finds_premises_by_the_suffix_the_goal_prints() -> None:
    names = NameIndex(CORPUS)
    assert sorted(names.named("Nat.add n m = b", None).tolist()) == [1, 4]
    assert sorted(names.named("add n (a)", None).tolist()) == [0, 4, 5]
    # a word inside a longer identifier is not a name
    assert names.named("ab bc x.c_d", None).tolist() == []
    allowed = np.array([True, False, False, False, False, True])
    assert names.named("add a", allowed).tolist() == [0, 5]
