"""The transfer policy: whole proofs of similar earlier or training theorems, never the theorem's own."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from prover.config import build_policy, load_prover_config
from prover.data.coq import extract_file, library
from prover.data.loader import load_records, load_theorems
from prover.data.records import TheoremRecord, write_jsonl
from prover.envs.base import ProofFinished, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.errors import ConfigError
from prover.policies.base import TacticPolicy
from prover.policies.transfer import TransferPolicy, proof_script
from tests.conftest import needs_coq

FAMILY_V = """Require Import Arith.

Lemma double_l : forall n : nat, 2 * n = n + n.
Proof. intros n. simpl. rewrite Nat.add_0_r. reflexivity. Qed.

Lemma target : forall m : nat, 2 * m = m + m.
Proof. intros m. simpl. rewrite Nat.add_0_r. reflexivity. Qed.

Lemma after : forall k : nat, 2 * k = k + k.
Proof. intro k. cbn. now rewrite Nat.add_0_r. Qed.
"""
OTHER_V = """Require Import Arith.

Lemma twice_double : forall x : nat, x + x = 2 * x.
Proof using. intro x. simpl. now rewrite Nat.add_0_r. Qed.
"""
EARLIER = "intros n. simpl. rewrite Nat.add_0_r. reflexivity."
OWN = "intros m. simpl. rewrite Nat.add_0_r. reflexivity."
LATER = "intro k. cbn. now rewrite Nat.add_0_r."
TRAINING = "intro x. simpl. now rewrite Nat.add_0_r."


def _extract(root: Path, name: str, text: str, split: str) -> tuple[object, list[TheoremRecord]]:
    (root / "src" / name).write_text(text, encoding="utf-8")
    file, theorems = extract_file(library(str(root / "src"), "Fam"), name)
    assert file.replayed, f"{name} did not extract: {file.error}"
    return file, [dataclasses.replace(t, split=split) for t in theorems]


def _extraction(root: Path, family_split: str) -> Path:
    (root / "src").mkdir(parents=True)
    family, family_theorems = _extract(root, "Family.v", FAMILY_V, family_split)
    other, other_theorems = _extract(root, "Other.v", OTHER_V, "train")
    write_jsonl(root / "data" / "files.jsonl", [family, other])
    write_jsonl(root / "data" / "theorems.jsonl", [*family_theorems, *other_theorems])
    return root / "data"


@pytest.fixture(scope="module")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Family.v as a test file, Other.v as a training file."""
    if needs_coq.args[0]:
        pytest.skip(needs_coq.kwargs["reason"])
    return _extraction(tmp_path_factory.mktemp("transfer"), "test")


def _target(extraction: Path) -> Theorem:
    return next(t for t in load_theorems(extraction) if t.name == "target")


def test_proof_script_drops_delimiters_and_refuses_what_cannot_replay(extraction: Path) -> None:
    records = {r.name: r for r in load_records(extraction)}
    assert proof_script(records["double_l"]) == EARLIER
    assert proof_script(records["twice_double"]) == TRAINING  # `Proof using.` only declares variables
    for proof in (("Proof with auto.", "intros...", "Qed."), ("Proof.", "intros.", "Admitted."), ()):
        assert proof_script(dataclasses.replace(records["double_l"], proof=proof)) is None


def test_root_gets_earlier_and_training_proofs_and_one_closes_the_goal(extraction: Path) -> None:
    policy = TransferPolicy(extraction)
    assert isinstance(policy, TacticPolicy)
    target = _target(extraction)
    with CoqEnv() as env:
        root = env.start(target)
        ranked = policy.suggest(root, target, 4)
        tactics = [s.tactic for s in ranked]
        assert tactics[0] == EARLIER and TRAINING in tactics
        assert OWN not in tactics and LATER not in tactics
        assert all(s.policy == "transfer" for s in ranked)
        done = env.run_tactic(root, ranked[0].tactic)
        assert isinstance(done, ProofFinished)
        assert env.check(target, done.proof).accepted
        # whole proofs are for the root only
        child = env.run_tactic(root, "intros m.")
        assert isinstance(child, ProofState) and policy.suggest(child, target, 4) == []
    assert pickle.loads(pickle.dumps(policy)).suggest(root, target, 4) == ranked


def test_own_file_in_the_training_split_still_hides_the_theorem_and_what_follows(tmp_path: Path) -> None:
    if needs_coq.args[0]:
        pytest.skip(needs_coq.kwargs["reason"])
    # evaluating on the training split: the file's later proofs are training data, and must stay unread
    data = _extraction(tmp_path, "train")
    target = _target(data)
    with CoqEnv() as env:
        tactics = [s.tactic for s in TransferPolicy(data).suggest(env.start(target), target, 8)]
    assert EARLIER in tactics and TRAINING in tactics
    assert OWN not in tactics and LATER not in tactics


def test_config_builds_it_and_a_missing_extraction_is_a_clear_error(extraction: Path, tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text(f'[search]\nkind = "mps"\n[[policies]]\nkind = "transfer"\nk = 6\nproofs = "{extraction}"\n')
    policy = build_policy(load_prover_config(str(config)).policies[0])
    assert isinstance(policy, TransferPolicy) and policy.proofs == str(extraction)
    with pytest.raises(ConfigError, match="transfer policy"):
        TransferPolicy(tmp_path / "nowhere")
