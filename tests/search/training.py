"""A tiny training library, extracted for real and indexed for the k-NN policy (test helper)."""

from __future__ import annotations

from pathlib import Path

from prover.data.coq import extract_file, library
from prover.data.loader import load_pairs
from prover.data.records import write_jsonl
from prover.policies.knn import KnnIndexInfo, build_index

TRAIN_V = """Require Import List Arith.
Import ListNotations.

Lemma app_nil_r' : forall (A : Type) (l : list A), l ++ [] = l.
Proof. intros A l. induction l as [|a l IHl]. - reflexivity. - simpl. rewrite IHl. reflexivity. Qed.

Lemma length_app' : forall (A : Type) (l m : list A), length (l ++ m) = length l + length m.
Proof. intros A l m. induction l as [|a l IHl]. - reflexivity. - simpl. rewrite IHl. reflexivity. Qed.

Lemma map_length' : forall (A B : Type) (f : A -> B) (l : list A), length (map f l) = length l.
Proof. intros A B f l. induction l as [|a l IHl]. - reflexivity. - simpl. rewrite IHl. reflexivity. Qed.

Lemma add_0_r' : forall n : nat, n + 0 = n.
Proof. intros n. induction n as [|n IHn]. - reflexivity. - simpl. rewrite IHn. reflexivity. Qed.

Lemma le_trans' : forall a b c : nat, a <= b -> b <= c -> a <= c.
Proof. intros a b c Hab Hbc. apply (Nat.le_trans _ _ _ Hab Hbc). Qed.
"""


def build_training_index(root: Path) -> tuple[Path, KnnIndexInfo]:
    """Extract `TRAIN_V` under `root` (as library ``Train``), write it as an extraction, index its pairs."""
    source = root / "src"
    source.mkdir(parents=True, exist_ok=True)
    (source / "Train.v").write_text(TRAIN_V, encoding="utf-8")
    file, theorems = extract_file(library(str(source), "Train"), "Train.v")
    assert file.replayed and len(theorems) == 5, f"the training file did not extract: {file.error}"
    data = root / "data"
    write_jsonl(data / "files.jsonl", [file])
    write_jsonl(data / "theorems.jsonl", theorems)
    index = root / "knn"
    return index, build_index(load_pairs(data), index)
