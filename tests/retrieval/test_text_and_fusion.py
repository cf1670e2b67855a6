"""Pure parts of retrieval: the BM25 words of Coq text, query texts, rank fusion."""

from __future__ import annotations

import numpy as np

from prover.data.premises import Premise
from prover.envs.base import Goal
from prover.retrieval import Fusion, goal_query, premise_text
from prover.retrieval.hybrid import Rankings, fuse
from prover.retrieval.text import tokenize


def test_tokenize_keeps_operators_and_splits_qualified_names() -> None:
    words = tokenize("forall n m : nat, Nat.add_comm n m -> (n + m <= m ++ l)%nat")
    assert {"nat.add_comm", "add_comm", "add", "comm", "nat"} <= set(words)
    assert {"+", "<=", "++", "->", "%"} <= set(words)
    # brackets, commas and colons structure a term; they say nothing about what it is about
    assert not {"(", ")", ",", ":", ")%"} & set(words)


def test_tokenize_of_nothing_useful_is_empty() -> None:
    assert tokenize("") == []
    assert tokenize(" ( ) , : . ") == []


def test_premise_text_names_the_topic_and_the_relative_name() -> None:
    premise = Premise("Coq.Arith.PeanoNat.Nat.add_comm", "forall n m : nat, n + m = m + n", "theorem",
                      "Coq.Arith.PeanoNat", "Arith/PeanoNat.v", 10)
    assert premise_text(premise) == "PeanoNat Nat.add_comm : forall n m : nat, n + m = m + n"
    typeless = Premise("Coq.Init.Datatypes.nat", "", "inductive", "Coq.Init.Datatypes", "Init/Datatypes.v", 1)
    assert premise_text(typeless) == "Datatypes nat"


def test_goal_query_puts_each_conclusion_before_its_hypotheses() -> None:
    goals = [Goal(("n : nat", "H :  n  = 0"), "n + 0 = n"), Goal((), "True")]
    assert goal_query(goals) == "n + 0 = n\nn : nat\nH : n = 0\nTrue"


def test_fuse_adds_reciprocal_ranks_with_weights() -> None:
    a, b = np.array([1, 2, 3]), np.array([3, 2, 4])
    ids, scores = fuse([(a, 0.5), (b, 0.5)], 1.0, 10)
    # 2 and 3 are in both lists: 2 at ranks 2+2 (0.5/3+0.5/3), 3 at ranks 3+1 (0.5/4+0.5/2)
    assert ids.tolist()[:2] == [3, 2]
    assert set(ids.tolist()) == {1, 2, 3, 4}
    assert np.all(np.diff(scores) <= 0)
    only_a, _ = fuse([(a, 1.0), (b, 0.0)], 60.0, 2)
    assert only_a.tolist() == [1, 2]


def test_fusion_combine_cuts_each_ranking_to_its_depth() -> None:
    empty = np.zeros(0, dtype=np.int64)
    rankings = Rankings(bm25=np.arange(10), dense=np.arange(10)[::-1].copy(), nearby=np.array([5]), named=empty)
    ids, _ = Fusion(0.5, 0.5, nearby_weight=0.0, named_weight=0.0, constant=60.0, depth=2).combine(rankings, 2)
    assert set(ids.tolist()) <= {0, 1, 8, 9}
    assert len(ids) == 2
    # a ranking weighted 0 takes no part; a weighted one can bring in what no other lists
    near, _ = Fusion(0.0, 0.0, nearby_weight=1.0, named_weight=0.0).combine(rankings, 5)
    assert near.tolist() == [5]
