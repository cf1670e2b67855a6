"""Extraction of real library files into records (`prover.data.coq`), checked against Coq itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.data.coq import MATHCOMP, STDLIB, Library, extract_file, library, premise_tokens
from prover.data.records import (
    FileRecord,
    TheoremRecord,
    read_files,
    read_theorems,
    to_theorem,
    write_jsonl,
)
from prover.envs.base import Goal, ProofState, Theorem
from prover.envs.coq.env import CoqEnv, module_args
from prover.envs.coq.files import theorems_in_source
from prover.envs.coq.replay import replay_args
from prover.envs.coq.sentences import split_sentences
from prover.errors import ConfigError
from tests.conftest import needs_coq

pytestmark = needs_coq

Extracted = tuple[FileRecord, list[TheoremRecord]]


def _theorem(record: TheoremRecord, file: FileRecord) -> Theorem:
    # `to_theorem` sets `module` itself once records.py passes it on; until then, here.
    return dataclasses.replace(to_theorem(record, file), module=record.module)


def _by_name(theorems: list[TheoremRecord]) -> dict[str, TheoremRecord]:
    return {t.name: t for t in theorems}


@pytest.fixture(scope="module")
def between() -> Extracted:
    return extract_file(STDLIB, "Arith/Between.v")  # one Section with variables P Q


@pytest.fixture(scope="module")
def relations() -> Extracted:
    return extract_file(STDLIB, "Relations/Operators_Properties.v")  # nested Sections


@pytest.fixture(scope="module")
def zeuclid() -> Extracted:
    return extract_file(STDLIB, "ZArith/Zeuclid.v")  # a Module, Instances proved with Qed


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnv]:
    with CoqEnv() as session:
        yield session


PROJECT = """\
Require Import Arith.

Module M.
  Section S.
    Variable n : nat.
    Hypothesis Hn : 0 < n.

    Lemma pos (m : nat) : 0 < n + m.
    Proof.
      eapply le_trans; [exact Hn | apply Nat.le_add_r].
    Qed.

    Let helper : n <= n. Proof. apply le_n. Qed.
  End S.

  Definition two : nat.
  Proof. exact 2. Defined.

  Lemma unproved : forall k, k = k + 0.
  Proof. intros k. Admitted.

  Lemma dropped : 1 = 1.
  Proof. Abort.

  Lemma by_term : True.
  Proof I.

  Goal True. Proof. exact I. Qed.
End M.

Lemma two_is_two : File.M.two = 2.
Proof. reflexivity. Qed.

Lemma broken : forall k : nat, k = S k.
Proof.
  intros k.
  reflexivity.
Qed.

Theorem after_failure : True.
Proof. exact I. Qed.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, FileRecord, list[TheoremRecord]]:
    root = tmp_path_factory.mktemp("proj")
    (root / "File.v").write_text(PROJECT, encoding="utf-8")
    lib = library(str(root), "Proj")
    return lib, *extract_file(lib, "File.v")


# -- libraries -----------------------------------------------------------------------------

def test_libraries_know_their_files_and_load_paths(tmp_path: Path) -> None:
    assert library("stdlib") is STDLIB and library("mathcomp") is MATHCOMP
    assert (STDLIB.prefix, MATHCOMP.prefix, STDLIB.args) == ("Coq", "mathcomp", ())
    files = STDLIB.files()
    assert files == sorted(files)
    assert {"Arith/Between.v", "Init/Peano.v", "Relations/Operators_Properties.v"} <= set(files)
    assert "ssreflect/ssrnat.v" in MATHCOMP.files()

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "B.v").write_text("")
    (tmp_path / "A.v").write_text("")
    (tmp_path / "notes.txt").write_text("")
    mine = library(str(tmp_path), "My")
    assert mine == Library("My", str(tmp_path), "My", ("-R", str(tmp_path), "My"))
    assert mine.files() == ["A.v", "sub/B.v"]
    with pytest.raises(ConfigError, match="logical prefix"):
        library(str(tmp_path))
    with pytest.raises(ConfigError, match="neither a known library"):
        library(str(tmp_path / "absent"))


def test_premise_tokens_skip_keywords_comments_strings_and_scopes() -> None:
    sentence = 'rewrite (Nat.add_comm n) in H; apply le_S (* not_me *); idtac "nor_me"; exact (x + 0)%nat.'
    assert premise_tokens(sentence) == ["Nat.add_comm", "n", "H", "le_S", "x"]
    assert premise_tokens("by rewrite !big_add1 -IHn /= ?fact_gt0.") == ["big_add1", "IHn", "fact_gt0"]


# -- what a record holds -----------------------------------------------------------------------

def test_statements_and_proofs_are_the_files_own_text(between: Extracted) -> None:
    file, theorems = between
    path = STDLIB.path("Arith/Between.v")
    source = Path(path).read_text(encoding="utf-8")
    assert file.source == source
    assert (file.library, file.file, file.module, file.backend) == ("stdlib", "Arith/Between.v",
                                                                   "Coq.Arith.Between", "coq")
    assert file.replayed and file.error is None
    assert file.args == replay_args(path)
    assert "Coq.Arith.PeanoNat" in file.requires and "Coq.Init.Prelude" in file.requires
    assert file.module not in file.requires
    assert file.theorems == len(theorems) == 19

    # Every theorem with a Qed proof, in file order; `exists_lt` (`Proof exists_le_S.`) is not one.
    expected = [t.name for t in theorems_in_source(source) if t.gold_proof]
    assert [t.name for t in theorems] == expected
    assert "exists_lt" not in expected
    sentences = split_sentences(source)
    starts = {s.start: i for i, s in enumerate(sentences)}
    for record in theorems:
        assert record.replayed and record.replay_error is None, record
        assert source[record.offset : record.offset + len(record.statement)] == record.statement
        assert source.count("\n", 0, record.offset) + 1 == record.line
        index = starts[record.offset]
        assert record.proof == tuple(s.text for s in sentences[index + 1 : index + 1 + len(record.proof)])
        assert record.proof[0] == "Proof." and record.proof[-1] == "Qed."
        assert tuple(step.tactic for step in record.steps) == record.proof
        assert [step.line for step in record.steps] == [s.line for s in sentences[index + 1 : index + 1 + len(record.proof)]]
        assert record.steps[0].before == record.steps[0].after  # `Proof.` changes nothing
        assert record.steps[-1].before == record.steps[-1].after == ()  # Qed runs on no goal
        assert record.qualified_name == f"Coq.Arith.Between.{record.name}"  # the Section is no part of it
        assert record.key == f"coq:stdlib:{record.qualified_name}"


def test_steps_record_the_goals_and_the_goals_out_of_focus(between: Extracted) -> None:
    step = _by_name(between[1])["between_Sk_l"].steps
    tactics = [s.tactic for s in step]
    assert tactics[:3] == ["Proof.", "induction 1 as [|* [|]]; auto.", "-"]
    # The induction leaves two goals; the bullet focuses the first and puts one out of focus.
    assert len(step[1].after) == 2 and step[1].pending_after == 0
    assert len(step[2].after) == 1 and step[2].pending_after == 1
    assert step[3].before == step[2].after and step[3].pending_before == 1


def test_goals_are_what_a_live_session_on_the_theorem_shows(between: Extracted, env: CoqEnv) -> None:
    file, theorems = between
    record = _by_name(theorems)["between_Sk_l"]
    root = env.start(_theorem(record, file))
    assert isinstance(root, ProofState)
    assert root.goals == tuple(g.to_goal() for g in record.steps[0].before)
    state = root
    for step in record.steps[1:3]:  # the induction, then the first bullet
        result = env.run_tactic(state, step.tactic)
        assert isinstance(result, ProofState), result
        assert result.goals == tuple(g.to_goal() for g in step.after)
        assert len(result.pending) == step.pending_after
        state = result
    assert all(isinstance(g, Goal) for g in state.goals)


def test_context_holds_the_section_variables_and_not_the_statements_binders(
    relations: Extracted, project: tuple[Library, FileRecord, list[TheoremRecord]],
) -> None:
    theorems = relations[1]
    assert len(theorems) == relations[0].theorems == 35
    assert all(t.context == ("A : Type", "R : relation A") for t in theorems)  # nested Sections
    assert all(t.qualified_name == f"Coq.Relations.Operators_Properties.{t.name}" for t in theorems)
    pos = _by_name(project[2])["pos"]
    assert pos.context == ("n : nat", "Hn : 0 < n")
    assert pos.steps[0].before[0].hypotheses == ("n : nat", "Hn : 0 < n", "m : nat")


def test_qualified_names_are_what_coq_locates(between: Extracted, zeuclid: Extracted) -> None:
    names = [t.qualified_name for t in zeuclid[1]]
    assert names == [f"Coq.ZArith.Zeuclid.ZEuclid.{n}" for n in
                     ("mod_wd", "div_wd", "div_mod", "mod_always_pos", "mod_bound_pos")]
    with CoqEnv() as fresh:  # the installed libraries, loaded from outside
        fresh.load_header("Require Coq.Arith.Between Coq.ZArith.Zeuclid.")
        for record in (*between[1][:3], *zeuclid[1]):
            located = fresh.query(f"Locate {record.qualified_name}.")
            assert located.split()[:2] == ["Constant", record.qualified_name]


def test_premises_are_the_fully_qualified_constants_a_proof_names(
    between: Extracted, zeuclid: Extracted, project: tuple[Library, FileRecord, list[TheoremRecord]],
) -> None:
    theorems = _by_name(between[1])
    assert "Coq.Arith.PeanoNat.Nat.le_trans" in theorems["nth_le"].premises  # eapply Nat.le_trans
    assert "Coq.Arith.Between.between_le" in theorems["nth_le"].premises  # the file's own, Section gone
    assert theorems["between_Sk_l"].premises == ("Coq.Arith.PeanoNat.Nat.nle_succ_diag_l",)
    assert theorems["between_le"].premises == ()  # induction 1; auto.
    # Hypotheses (Hle, IHle, H2) and tactics never count; every premise is a global name.
    everything = {p for t in between[1] for p in t.premises}
    assert all(p.startswith("Coq.") for p in everything)
    div_mod = _by_name(zeuclid[1])["div_mod"]
    assert {"Coq.ZArith.BinInt.Z.mul_assoc", "Coq.ZArith.BinInt.Z.sgn_abs",
            "Coq.ZArith.BinInt.Z.div_mod"} <= set(div_mod.premises)
    assert "Coq.ZArith.Zeuclid.ZEuclid.div" in div_mod.premises  # unfold div
    # `le_trans` is a deprecated abbreviation of Nat.le_trans: followed to the constant.
    pos = _by_name(project[2])["pos"]
    assert pos.premises == ("Coq.Arith.PeanoNat.Nat.le_trans", "Coq.Arith.PeanoNat.Nat.le_add_r")


# -- failures, admitted proofs, user projects ----------------------------------------------------

def test_a_projects_file_with_admitted_aborted_and_failing_proofs(
    project: tuple[Library, FileRecord, list[TheoremRecord]],
) -> None:
    lib, file, theorems = project
    assert file.module == "Proj.File"
    assert file.args[:3] == ("-R", lib.root, "Proj")
    assert not file.replayed
    assert file.error is not None and file.error.startswith("error at line 37:")
    found = _by_name(theorems)
    # Let, Goal, Abort and `Proof term.` give no record.
    assert list(found) == ["pos", "two", "unproved", "two_is_two", "broken", "after_failure"]
    assert file.theorems == 6
    assert found["pos"].qualified_name == "Proj.File.M.pos" and found["pos"].replayed
    assert found["two"].qualified_name == "Proj.File.M.two" and found["two"].replayed
    assert found["two"].proof == ("Proof.", "exact 2.", "Defined.")
    unproved = found["unproved"]
    assert (unproved.replayed, unproved.replay_error) == (False, "admitted in the library")
    assert unproved.proof[-1] == "Admitted."
    broken = found["broken"]
    assert not broken.replayed and broken.replay_error is not None
    assert broken.qualified_name == "Proj.File.broken"
    assert broken.proof == ("Proof.", "intros k.", "reflexivity.", "Qed.")
    assert [s.tactic for s in broken.steps] == ["Proof.", "intros k."]  # up to the failure
    assert file.error.endswith(broken.replay_error)
    after = found["after_failure"]
    assert not after.replayed and after.steps == () and after.proof == ("Proof.", "exact I.", "Qed.")
    assert after.replay_error is not None and after.replay_error.startswith("the file's replay stopped at line 37")
    assert after.qualified_name == "Proj.File.after_failure"


# -- starting and checking in file context -------------------------------------------------------

def test_module_args_choose_top_and_noinit() -> None:
    assert module_args(("-R", "/x", "My"), None) == ("-R", "/x", "My")
    assert module_args(("-R", "/x", "My", "-topfile", "/x/A.v"), "My.A") == ("-R", "/x", "My", "-top", "My.A")
    assert module_args((), "Coq.Init.Peano") == ("-noinit", "-top", "Coq.Init.Peano")


def test_gold_proofs_are_accepted_in_their_file_context(
    between: Extracted, zeuclid: Extracted, env: CoqEnv,
    project: tuple[Library, FileRecord, list[TheoremRecord]],
) -> None:
    peano = extract_file(STDLIB, "Init/Peano.v")  # the prelude's own file: -noinit
    assert peano[0].replayed and peano[0].theorems > 10
    cases = [(between, "bet_eq"), (between, "between_restr"), (between, "nth_le"), (zeuclid, "mod_wd"),
             (zeuclid, "div_mod"), (peano, "plus_n_O"), (peano, "max_l")]
    for (file, theorems), name in cases:
        record = _by_name(theorems)[name]
        theorem = _theorem(record, file)
        verdict = env.check(theorem, "\n".join(record.proof))
        assert verdict.accepted, (name, verdict.reason)
    # A user project's theorems, with the project's load path. The file's module matters:
    # `two_is_two` says `File.M.two`, which only the module Proj.File knows.
    lib, file, theorems = project
    with CoqEnv(args=lib.args) as mine:
        for name in ("pos", "two_is_two"):
            record = _by_name(theorems)[name]
            assert mine.check(_theorem(record, file), "\n".join(record.proof)).accepted, name
        plain = dataclasses.replace(_theorem(record, file), module=None)
        verdict = mine.check(plain, "\n".join(record.proof))
        assert not verdict.accepted and "File.M.two" in verdict.reason


def test_records_round_trip_through_jsonl(tmp_path: Path, between: Extracted,
                                         project: tuple[Library, FileRecord, list[TheoremRecord]]) -> None:
    theorems = between[1] + project[2]
    assert write_jsonl(tmp_path / "theorems.jsonl", theorems) == len(theorems)
    assert write_jsonl(tmp_path / "files.jsonl", [between[0], project[1]]) == 2
    assert list(read_theorems(tmp_path / "theorems.jsonl")) == theorems
    assert list(read_files(tmp_path / "files.jsonl")) == [between[0], project[1]]
