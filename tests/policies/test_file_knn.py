"""The file k-NN policy: tactics from the proofs earlier in the theorem's own file, never later."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from prover.data.coq import extract_file, library
from prover.data.loader import load_theorems
from prover.data.records import write_jsonl
from prover.envs.base import ProofFinished, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.base import TacticPolicy
from prover.policies.knn import FileKnnPolicy
from tests.conftest import needs_coq

# `crush` exists only in this file: the training index of other files cannot propose it.
# `double_comm` comes after `target` and its proof is the one tactic that would close
# `target` without `crush`: the policy must not have read it.
LOCAL_V = """Require Import Arith.

Ltac crush := intros; repeat rewrite Nat.add_0_r; repeat rewrite Nat.mul_1_r; reflexivity.

Lemma twice_0 : forall n : nat, n + 0 + 0 = n.
Proof. crush. Qed.

Lemma once_1 : forall n : nat, n * 1 = n.
Proof. crush. Qed.

Lemma target : forall n m : nat, (n + 0) * 1 = n + m * 0.
Proof. intros n m. rewrite Nat.mul_0_r. crush. Qed.

Lemma later : forall n : nat, n + 0 = n * 1.
Proof. intros n; rewrite Nat.add_0_r, Nat.mul_1_r; exact (eq_refl n). Qed.
"""


@pytest.fixture(scope="module")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if needs_coq.args[0]:
        pytest.skip(needs_coq.kwargs["reason"])
    root = tmp_path_factory.mktemp("file-knn")
    (root / "src").mkdir()
    (root / "src" / "Local.v").write_text(LOCAL_V, encoding="utf-8")
    file, theorems = extract_file(library(str(root / "src"), "Loc"), "Local.v")
    assert file.replayed and len(theorems) == 4, f"the file did not extract: {file.error}"
    write_jsonl(root / "data" / "files.jsonl", [file])
    write_jsonl(root / "data" / "theorems.jsonl", theorems)
    return root / "data"


def _theorem(extraction: Path, name: str) -> Theorem:
    return next(t for t in load_theorems(extraction) if t.name == name)


def test_learns_only_from_proofs_before_the_theorem(extraction: Path) -> None:
    policy = FileKnnPolicy(extraction)
    assert isinstance(policy, TacticPolicy)
    assert policy.earlier_steps(_theorem(extraction, "twice_0")) == []
    tactics = {s.tactic for s in policy.earlier_steps(_theorem(extraction, "target"))}
    assert tactics == {"crush."}
    later = {s.tactic for s in policy.earlier_steps(_theorem(extraction, "later"))}
    assert "rewrite Nat.mul_0_r." in later and not any("eq_refl" in t for t in later)
    # a theorem from no library file has no earlier proofs
    assert policy.earlier_steps(Theorem("t", "Lemma t : True.")) == []


def test_file_local_tactic_proves_a_later_theorem(extraction: Path) -> None:
    policy = FileKnnPolicy(extraction)
    target = _theorem(extraction, "target")
    with CoqEnv() as env:
        state = env.run_tactic(env.start(target), "intros n m.")
        state = env.run_tactic(state, "rewrite Nat.mul_0_r.")
        ranked = policy.suggest(state, target, 4)
        assert [s.tactic for s in ranked] == ["crush."]
        assert ranked[0].policy == "file_knn" and ranked[0].score == 0.0
        done = env.run_tactic(state, ranked[0].tactic)
        assert isinstance(done, ProofFinished)
        assert env.check(target, done.proof).accepted
    clone = pickle.loads(pickle.dumps(policy))
    assert clone.suggest(state, target, 4) == ranked


def test_a_missing_extraction_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make data.*file k-NN policy"):
        FileKnnPolicy(tmp_path / "nowhere")
