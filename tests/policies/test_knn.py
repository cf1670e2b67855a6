"""The k-NN policy: features, hypothesis re-targeting, an index built from a real extraction."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from prover.envs.base import Goal, ProofFinished, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.base import TacticPolicy
from prover.policies.knn import Hypothesis, KnnPolicy, build_index, retarget, state_features
from tests.conftest import needs_coq
from tests.search.training import build_training_index

LE = Theorem("le_chain", "Lemma le_chain : forall x y z : nat, x <= y -> y <= z -> x <= z.", "Require Import Arith.")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if needs_coq.args[0]:
        pytest.skip(needs_coq.kwargs["reason"])
    directory, info = build_training_index(tmp_path_factory.mktemp("knn"))
    assert info.pairs >= 20 and info.skipped > 0  # the bullets are left out
    return directory


def test_hypothesis_lines_parse() -> None:
    assert Hypothesis.parse("n, m : nat") == Hypothesis(("n", "m"), "nat")
    assert Hypothesis.parse("x := 3 : nat") == Hypothesis(("x",), "nat")
    assert Hypothesis.parse("H : forall a : nat, a = a") == Hypothesis(("H",), "forall a : nat, a = a")


def test_features_abstract_hypothesis_names() -> None:
    a = Goal(("n : nat",), "n + 0 = n")
    b = Goal(("m : nat",), "m + 0 = m")
    assert state_features(a) == state_features(b)
    assert state_features(a) != state_features(Goal(("n : nat",), "0 + n = n"))


def test_retarget_by_type_and_simultaneously() -> None:
    source = ("a, b, c : nat", "Hab : a <= b", "Hbc : b <= c")
    target = ("x, y, z : nat", "H1 : x <= y", "H2 : y <= z")
    assert retarget("apply (Nat.le_trans _ _ _ Hab Hbc).", source, target) == "apply (Nat.le_trans _ _ _ H1 H2)."
    # H and H0 swap: the renaming is simultaneous, not one after the other
    swapped = retarget("rewrite H; apply H0.", ("H : n = 0", "H0 : P n"), ("H0 : n = 0", "H : P n"))
    assert swapped == "rewrite H0; apply H."
    # qualified names and unrelated identifiers are left alone
    assert retarget("apply Nat.le_refl.", ("le_refl : True",), ("H : True",)) == "apply Nat.le_refl."


def test_missing_or_empty_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a k-NN index"):
        KnnPolicy(tmp_path)
    bullets = [(ProofState((Goal((), "True"),)), "-"), (ProofState(()), "auto.")]
    with pytest.raises(ConfigError, match="no usable"):
        build_index(bullets, tmp_path / "empty")


def test_suggests_training_tactics_for_a_similar_goal(index: Path) -> None:
    policy = KnnPolicy(index)
    assert isinstance(policy, TacticPolicy)
    root = ProofState((Goal((), "forall (A : Type) (l : list A), map (fun x => x) l = l"),))
    ranked = policy.suggest(root, Theorem("m", "m"), 3)
    assert ranked[0].tactic.startswith("intros A")
    assert all(s.policy == "knn" and s.score <= 0 for s in ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert policy.suggest(ProofState(()), Theorem("m", "m"), 3) == []
    assert policy.suggest(ProofState((Goal((), "zzz_unknown_symbol"),)), Theorem("m", "m"), 3) == []
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.suggest(root, Theorem("m", "m"), 3) == ranked


def test_retargeted_tactic_closes_a_real_goal(index: Path, env: CoqEnv) -> None:
    state = env.run_tactic(env.start(LE), "intros x y z H1 H2.")
    assert isinstance(state, ProofState)
    ranked = KnnPolicy(index).suggest(state, LE, 3)
    assert ranked[0].tactic == "apply (Nat.le_trans _ _ _ H1 H2)."
    done = env.run_tactic(state, ranked[0].tactic)
    assert isinstance(done, ProofFinished)
    assert env.check(LE, done.proof).accepted
