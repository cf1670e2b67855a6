"""The lemma policy on a real extraction and a real coqidetop: which premises it may propose,
the tactics it makes of them, and a search that proves a library theorem with one of them."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.data.records import to_theorem
from prover.envs.base import Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.lemmas import LemmaPolicy, is_rewrite_rule, names_for, position_of, tactics_for
from prover.retrieval import Position
from prover.search.best_first import BestFirstSearch
from prover.search.tree import PolicySlot
from tests.conftest import needs_coq
from tests.retrieval.conftest import Tiny

pytestmark = needs_coq


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as coq:
        yield coq


@pytest.fixture(scope="module")
def policy(tiny: Tiny) -> LemmaPolicy:
    return LemmaPolicy(tiny.index)


def library_theorem(tiny: Tiny, qualified_name: str) -> Theorem:
    record = next(r for r in tiny.records if r.qualified_name == qualified_name)
    return to_theorem(record, next(f for f in tiny.files if f.file == record.file))


def test_only_what_the_theorem_may_use_is_proposed(tiny: Tiny, policy: LemmaPolicy) -> None:
    theorem = library_theorem(tiny, "Coq.Arith.Between.exists_S_le")
    position = position_of(theorem)
    assert position is not None and position.module == "Coq.Arith.Between" and position.line > 1
    allowed = policy.allowed(theorem)
    by_name = {p.name: allowed[i] for i, p in enumerate(policy.retriever.premises)}
    assert by_name["Coq.Arith.Between.exists_le_S"]  # declared just above
    assert not by_name["Coq.Arith.Between.exists_S_le"]  # itself
    assert not by_name["Coq.Arith.Between.in_int_intro"]  # declared further down
    assert by_name["Coq.Init.Peano.plus_n_O"]  # another module
    # a theorem of no library file (module Top) may use any premise with a type, but no inductive type
    free = Theorem("t", "Lemma t : True.")
    assert position_of(free) is None
    usable = [bool(p.type) and p.kind != "inductive" for p in policy.retriever.premises]
    assert policy.allowed(free).tolist() == usable and sum(usable) > 100


def test_tactics_are_made_from_names_the_context_knows() -> None:
    from prover.data.premises import Premise

    in_file = Premise("Coq.ZArith.BinInt.Z.add_move_l", "forall n m p : Z, n + m = p <-> m = p - n",
                      "theorem", "Coq.ZArith.BinInt", "ZArith/BinInt.v", 10)
    assert names_for(in_file, "Coq.ZArith.BinInt") == ["add_move_l", "Z.add_move_l"]
    assert names_for(in_file, "Coq.ZArith.Zorder") == ["Z.add_move_l"]
    assert is_rewrite_rule(in_file.type) and not is_rewrite_rule("forall n m, n < m -> n <= m")
    assert tactics_for(in_file, "Coq.ZArith.Zorder")[:3] == [
        "rewrite Z.add_move_l.", "apply Z.add_move_l.", "rewrite <- Z.add_move_l."]
    order = Premise("Coq.Arith.PeanoNat.Nat.lt_le_incl", "forall n m : nat, n < m -> n <= m",
                    "theorem", "Coq.Arith.PeanoNat", "Arith/PeanoNat.v", 10)
    assert tactics_for(order, None) == ["apply Nat.lt_le_incl.", "now apply Nat.lt_le_incl."]


def exists_lt(tiny: Tiny) -> Theorem:
    """`exists_lt` of Arith/Between.v in its file context; the library proves it with the
    term ``exists_le_S``, the lemma declared just above it (so it has no traced record)."""
    file = next(f for f in tiny.files if f.file == "Arith/Between.v")
    offset = file.source.index("Lemma exists_lt")
    return Theorem("exists_lt", "Lemma exists_lt : forall k l, exists_between k l -> k < l.",
                   file.source[:offset].rstrip(), module="Coq.Arith.Between",
                   source=f"stdlib:Arith/Between.v:{file.source[:offset].count(chr(10)) + 1}")


def test_a_search_proves_a_library_theorem_with_the_lemma_above_it(tiny: Tiny, policy: LemmaPolicy,
                                                                    env: CoqEnv) -> None:
    theorem = exists_lt(tiny)
    root = env.start(theorem)
    suggested = [s.tactic for s in policy.suggest(root, theorem, 12)]
    assert "apply exists_le_S." in suggested
    assert all(s.startswith(("apply ", "now apply ", "rewrite ", "rewrite <- ", "now rewrite ")) for s in suggested)
    attempt = BestFirstSearch([PolicySlot(policy, 12)], max_expansions=5, max_tactic_calls=100).attempt(env, theorem, 60)
    assert attempt.status == "solved", attempt.reason
    assert attempt.proof is not None and "exists_le_S" in attempt.proof
    assert env.check(theorem, attempt.proof).accepted


def test_it_travels_to_workers_by_its_index_path(tiny: Tiny, policy: LemmaPolicy, env: CoqEnv) -> None:
    theorem = library_theorem(tiny, "Coq.Arith.Between.exists_S_le")
    root = env.start(theorem)
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.premises == policy.premises
    assert clone.suggest(root, theorem, 8) == policy.suggest(root, theorem, 8)
    assert policy.suggest(root, theorem, 0) == []


def test_position_needs_a_line() -> None:
    assert position_of(Theorem("t", "Lemma t : True.", module="M", source="lib:M.v:12")) == Position("M", 12)
    assert position_of(Theorem("t", "Lemma t : True.", module="M", source="benchmark:t")) is None


def test_a_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"prover retrieval-build .*make data.*--prover automation"):
        LemmaPolicy(tmp_path / "nothing-here")
