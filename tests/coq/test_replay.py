"""Stepwise replay of whole .v files (`prover.envs.coq.replay`) against a real coqidetop."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.envs.coq.document import CoqDocument
from prover.envs.coq.replay import ReplayStep, replay_args, replay_file
from prover.envs.limits import Limits
from tests.conftest import STDLIB, needs_coq

pytestmark = needs_coq

SMALL_FILES = [
    ("Init/Peano.v", "Coq.Init.Peano"),  # the prelude itself: needs -noinit
    ("Classes/DecidableClass.v", "Coq.Classes.DecidableClass"),  # says DecidableClass.Decidable
    ("Bool/Sumbool.v", "Coq.Bool.Sumbool"),
    ("Lists/ListDec.v", "Coq.Lists.ListDec"),
    ("Sorting/Sorted.v", "Coq.Sorting.Sorted"),
    ("Arith/Between.v", "Coq.Arith.Between"),
]


@pytest.mark.parametrize(("relative", "module"), SMALL_FILES)
def test_stdlib_file_replays_to_the_end_with_goals(relative: str, module: str) -> None:
    steps: list[ReplayStep] = []
    result = replay_file(STDLIB / relative, on_step=steps.append)

    assert result.failure is None, result.failure
    assert result.ok
    assert result.module == module
    assert result.replayed == result.sentences == len(steps) > 0
    assert [s.index for s in steps] == list(range(result.sentences))
    in_proof = [s for s in steps if s.before is not None or s.after is not None]
    assert result.proof_steps == len(in_proof) > 0
    # A statement opens a proof with a goal; `Proof.` runs inside it; every Qed closes it.
    openers = [s for s in steps if s.before is None and s.after is not None]
    assert openers
    assert all(s.after is not None and s.after.foreground for s in openers)
    proofs = [s for s in steps if s.sentence.text.strip() == "Proof."]
    assert all(s.before is not None and s.after is not None for s in proofs)
    qeds = [s for s in steps if s.sentence.text.strip() == "Qed."]
    assert all(s.before is not None and s.before.empty and s.after is None for s in qeds)


def test_flags_follow_coqs_own_build() -> None:
    init, other = STDLIB / "Init/Peano.v", STDLIB / "Arith/Between.v"
    assert replay_args(init) == ("-noinit", "-topfile", str(init))
    assert replay_args(other) == ("-topfile", str(other))
    assert replay_args(other, "My.Between", ("-R", "/x", "My")) == ("-R", "/x", "My", "-top", "My.Between")


def test_self_qualified_names_need_the_files_own_module_name() -> None:
    path = STDLIB / "Classes/DecidableClass.v"
    doc = CoqDocument(("-top", "Top"))  # what a replay without -topfile would get
    try:
        result = replay_file(path, goals=False, document=doc)
    finally:
        doc.close()
    assert result.failure is not None
    assert result.failure.line == 103
    assert "DecidableClass.Decidable was not found" in " ".join(result.failure.message.split())


def test_a_deliberate_error_is_reported_at_its_sentence(tmp_path: Path) -> None:
    source = tmp_path / "Broken.v"
    source.write_text(
        "Require Import Arith.\n"
        "(* a comment. with dots. *)\n"
        "Lemma fine : forall n : nat, n + 0 = n.\n"
        "Proof. intros n. apply Nat.add_0_r. Qed.\n"
        "\n"
        "Lemma broken : forall n : nat, n = S n.\n"
        "Proof.\n"
        "  intros n.\n"
        "  apply Nat.add_comm.\n"
        "Qed.\n",
        encoding="utf-8",
    )
    steps: list[ReplayStep] = []
    result = replay_file(source, on_step=steps.append)

    assert result.module == "Broken"
    assert result.sentences == 11
    assert result.replayed == 9
    failure = result.failure
    assert failure is not None
    assert (failure.index, failure.line, failure.text, failure.kind) == (9, 9, "apply Nat.add_comm.", "error")
    assert "unify" in failure.message
    # The steps before the failure carry the goals the sentences ran on.
    assert steps[-1].sentence.text == "intros n."
    assert steps[-1].after is not None
    assert steps[-1].after.foreground[0].conclusion == "n = S n"


def test_a_file_that_cannot_be_split_is_a_split_failure(tmp_path: Path) -> None:
    source = tmp_path / "Unterminated.v"
    source.write_text("Definition x := 1.\n(* never closed\n", encoding="utf-8")
    result = replay_file(source)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.line) == ("split", 2)
    assert result.replayed == 0


def test_a_sentence_past_its_time_is_a_timeout(tmp_path: Path) -> None:
    source = tmp_path / "Slow.v"
    source.write_text("Ltac spin := idtac; spin.\nGoal True.\nspin.\nQed.\n", encoding="utf-8")
    result = replay_file(source, limits=Limits(proof_seconds=1.0), goals=False)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.index, result.failure.line) == ("timeout", 2, 3)
    assert result.seconds < 15


def test_goals_off_fetches_nothing() -> None:
    steps: list[ReplayStep] = []
    result = replay_file(STDLIB / "Bool/Sumbool.v", goals=False, on_step=steps.append)
    assert result.ok
    assert result.proof_steps == 0
    assert all(s.before is None and s.after is None for s in steps)
