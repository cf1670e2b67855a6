"""Soundness of `CoqEnv.check` against a real coqidetop: cheats are rejected, real proofs pass.

Every cheat names the part of the verdict's reason that must appear, so a cheat that is
rejected for an unrelated reason (a typo in the test) does not pass silently. Cheats whose
only harm is inside Coq's logic (`kind="coq"`) are run a second time with the lexical screen
switched off: their rejection must then come from what Coq itself reports (an error, goals
left at ``Qed``, a sentence that leaves the proof, or ``Print Assumptions``). Cheats with
effects outside Coq (files, directories, OCaml code) can only be stopped before they run,
so they are never run unscreened (`kind="effect"`). `kind="parse"` cheats are stopped by the
shape of the candidate (empty, restated differently, ending early).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from prover.envs.base import Theorem
from prover.envs.coq import check
from prover.envs.coq.env import CoqEnv
from tests.conftest import needs_coq

pytestmark = needs_coq

ARITH = "Require Import Arith."
# A file context: the statement lives in a section the header opens, beside the header's own
# parameter and axiom. The header is trusted, so what it assumes may be used.
FILE_CONTEXT = """Require Import Arith Lia.
Parameter bound : nat.
Axiom bound_big : 10 <= bound.
Definition double (k : nat) : nat := k + k.
Definition small (k : nat) : Prop := k < 10.
Section Doubling.
Variables (n : nat) (f : nat -> nat).
Hypothesis Hn : small n.
"""
REALS = "Require Import Reals. Open Scope R_scope."
REALS_AXIOMS = (
    "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
    "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
)
CLASSIC = "Coq.Logic.Classical_Prop.classic"

T = {
    # False statements: accepting any proof of these is unsound.
    "false": Theorem(name="bad", statement="Theorem bad : False."),
    "one_two": Theorem(name="one_two", statement="Theorem one_two : 1 = 2."),
    "lem": Theorem(name="lem", statement="Theorem lem : forall P : Prop, P \\/ ~ P."),
    "lt_refl": Theorem(name="lt_refl", statement="Theorem lt_refl : forall n : nat, n < n."),
    "lt_refl_named": Theorem(
        name="lt_refl_named", statement="Theorem lt_refl_named : forall n : nat, lt n n."
    ),
    "andb_false": Theorem(
        name="andb_false",
        statement="Theorem andb_false : forall b : bool, b && true = false.",
        header="Open Scope bool_scope.",
    ),
    # True statements, for cheats that leave the proof unfinished or act outside Coq.
    "add_0_r": Theorem(
        name="add_0_r", statement="Theorem add_0_r : forall n : nat, n + 0 = n.", header=ARITH
    ),
    "triv": Theorem(name="triv", statement="Theorem triv : True."),
    # False in the header's section context: n < 10 does not make n = 0.
    "sec_zero": Theorem(name="sec_zero", statement="Lemma sec_zero : n = 0.", header=FILE_CONTEXT),
}


class Cheat(NamedTuple):
    id: str
    theorem: str
    proof: str
    reason: str  # regex that the verdict's reason must match
    kind: str = "coq"  # "coq", "effect" or "parse" (see the module docstring)


CHEATS = [
    # -- giving up ------------------------------------------------------------------------------
    Cheat("admit", "false", "admit. Qed.", r"admit|given up"),
    Cheat("give_up", "false", "give_up. Qed.", r"admit|given up"),
    Cheat("admitted", "false", "Admitted.", r"Admitted|left the proof"),
    Cheat("abort", "false", "Abort.", r"Abort|left the proof"),
    Cheat("abort_all", "false", "Abort All.", r"Abort|left the proof"),
    Cheat(
        "abort_and_restate_true",
        "one_two",
        "Abort. Theorem one_two : 1 = 1. Proof. reflexivity. Qed.",
        r"Abort|left the proof",
    ),
    Cheat("save", "false", "idtac. Save bad.", r"Save|left the proof"),
    Cheat("succeed_admitted", "false", "Succeed Admitted. Qed.", r"Admitted|incomplete"),
    Cheat("fail_fail_admitted", "false", "Fail Fail Admitted. Qed.", r"Admitted|incomplete"),
    Cheat("shelve", "false", "shelve. Qed.", r"incomplete"),
    Cheat("unshelve_nothing", "one_two", "Unshelve. Qed.", r"incomplete: 1 goal"),
    Cheat("ltac_alias_admit", "false", "Ltac cheat := admit. cheat. Qed.", r"admit|given up"),
    Cheat(
        "tactic_notation_admit",
        "false",
        'Tactic Notation "ch" "eat" := admit. ch eat. Qed.',
        r"admit|given up",
    ),
    Cheat("ltac_in_term_admit", "false", "exact ltac:(idtac; admit). Qed.", r"admit|error"),
    # -- assumptions ----------------------------------------------------------------------------
    Cheat("axiom", "false", "Axiom cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat(
        "polymorphic_axiom",
        "one_two",
        "Polymorphic Axiom cheat : 1 = 2. exact cheat. Qed.",
        r"assumption|cheat",
    ),
    Cheat("local_axiom", "false", "#[local] Axiom cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat("parameter", "false", "Parameter cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat("hypothesis", "false", "Hypothesis cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat("variable", "false", "Variable cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat("conjecture", "false", "Conjecture cheat : False. exact cheat. Qed.", r"assumption|cheat"),
    Cheat("context", "false", "Context (cheat : False). exact cheat. Qed.", r"assumption|cheat"),
    # No keyword the screen knows: the axiom comes from `Declare Instance`, Coq reports it.
    Cheat(
        "declare_instance",
        "false",
        "Existing Class False. Declare Instance cheat : False. exact cheat. Qed.",
        r"axiom it declares itself: cheat",
    ),
    # The axiom's type prints as "Closed under the global context" (was accepted: substring test).
    Cheat(
        "closed_under_notation",
        "false",
        "Existing Class False. Notation \"'Closed' 'under' 'the' 'global' 'context'\" := False. "
        "Declare Instance cheat : Closed under the global context. exact cheat. Qed.",
        r"axiom it declares itself: cheat",
    ),
    Cheat(
        "require_classical_in_proof",
        "lem",
        "Require Import Classical. exact classic. Qed.",
        r"Require|header's libraries do not declare",
    ),
    Cheat(
        "time_require_classical",
        "lem",
        "Time Require Import Classical. exact classic. Qed.",
        r"Require|header's libraries do not declare",
    ),
    Cheat(
        "whole_answer_other_header",
        "lem",
        "Require Import Classical. Theorem lem : forall P : Prop, P \\/ ~ P. Proof. exact classic. Qed.",
        r"Require|left the proof|Nested",
    ),
    # -- nested declarations --------------------------------------------------------------------
    Cheat(
        "nested_lemma",
        "false",
        "idtac. Lemma cheat : False. Admitted. exact cheat. Qed.",
        r"declaration|Nested|left the proof",
    ),
    Cheat(
        "nested_lemma_allowed",
        "false",
        "Set Nested Proofs Allowed. Lemma cheat : False. Admitted. exact cheat. Qed.",
        r"nested|left the proof",
    ),
    Cheat(
        "time_nested_lemma",
        "false",
        "Time Set Nested Proofs Allowed. Time Lemma cheat : False. Time Admitted. exact cheat. Qed.",
        r"nested|left the proof",
    ),
    Cheat(
        "instance_admitted",
        "false",
        "idtac. Instance cheat : False. Admitted. exact cheat. Qed.",
        r"declaration|Nested|left the proof",
    ),
    Cheat(
        "definition_in_proof",
        "one_two",
        "idtac. Definition two := 1. reflexivity. Qed.",
        r"declaration|error",
    ),
    Cheat(
        "local_definition_in_proof",
        "one_two",
        "idtac. Local Definition two := 1. reflexivity. Qed.",
        r"declaration|error",
    ),
    Cheat(
        "fixpoint_loop",
        "false",
        "idtac. Fixpoint loop (n : nat) : False := loop n. exact (loop 0). Qed.",
        r"declaration|error",
    ),
    Cheat(
        "module",
        "false",
        "idtac. Module M. Axiom cheat : False. End M. exact M.cheat. Qed.",
        r"module|Command not supported",
    ),
    Cheat("module_type", "false", "Module Type T. Qed.", r"module|Command not supported"),
    Cheat(
        "section",
        "false",
        "idtac. Section S. Variable cheat : False. exact cheat. End S. Qed.",
        r"section|Command not supported",
    ),
    # -- ending early, rewinding ----------------------------------------------------------------
    Cheat(
        "qed_in_middle",
        "add_0_r",
        "intros n. Qed. now rewrite Nat.add_0_r. Qed.",
        r"ends the proof before",
        "parse",
    ),
    Cheat("qed_then_axiom", "triv", "exact I. Qed. Axiom cheat : False.", r"ends the proof before", "parse"),
    Cheat("qed_then_defined", "triv", "exact I. Qed. Defined.", r"ends the proof before", "parse"),
    Cheat("timeout_qed", "false", "Timeout 1 Qed.", r"ends the proof|incomplete proof"),
    Cheat(
        "time_qed_then_more",
        "add_0_r",
        "intros n. Time Qed. now rewrite Nat.add_0_r. Qed.",
        r"ends the proof|incomplete proof",
    ),
    Cheat("undo", "false", "Undo. exact I. Qed.", r"rewinds|Cannot undo"),
    Cheat("back", "false", "Back. exact I. Qed.", r"rewinds|left the proof"),
    Cheat("backto", "false", "BackTo 1. Qed.", r"rewinds|error"),
    Cheat("reset", "false", "Reset bad. exact I. Qed.", r"rewinds|left the proof"),
    Cheat("reset_initial", "false", "Reset Initial. Qed.", r"rewinds|left the proof"),
    Cheat("restart", "false", "Restart. exact I. Qed.", r"rewinds|error"),
    Cheat("unfocused", "false", "Unfocused. Qed.", r"rewinds|incomplete"),
    # -- unfinished or wrong proofs -------------------------------------------------------------
    Cheat("goals_open_then_qed", "add_0_r", "intros n. Qed.", r"incomplete: 1 goal"),
    Cheat("goals_open_no_qed", "add_0_r", "intros n.", r"incomplete: 1 goal"),
    Cheat("only_qed", "add_0_r", "Qed.", r"incomplete: 1 goal"),
    Cheat("empty", "add_0_r", "", r"empty", "parse"),
    Cheat("only_comment", "false", "(* Admitted. *)", r"empty", "parse"),
    Cheat("syntax_error", "add_0_r", "intros n. rewrite ((. Qed.", r"error at sentence 2"),
    Cheat("unsplittable", "add_0_r", 'intros n. idtac "unterminated. Qed.', r"cannot be split", "parse"),
    Cheat("tactic_error", "add_0_r", "intros n. apply Nat.no_such_lemma. Qed.", r"error at sentence 2"),
    Cheat("exact_I_on_False", "false", "exact I. Qed.", r"error at sentence 1"),
    Cheat("simpl_reflexivity", "one_two", "simpl. reflexivity. Qed.", r"error at sentence 2"),
    Cheat("change_statement", "one_two", "change (1 = 1). reflexivity. Qed.", r"Not convertible"),
    Cheat(
        "opaque_transparent",
        "one_two",
        "Opaque Nat.add. Transparent Nat.add. reflexivity. Qed.",
        r"error at sentence 3",
    ),
    Cheat("proof_using", "false", "Proof using cheat. exact cheat. Qed.", r"error at sentence 1"),
    Cheat("existing_instance", "one_two", "Existing Instance no_such_instance. Qed.", r"error at sentence 1"),
    Cheat("notation_in_proof", "one_two", 'Notation "1" := 2. reflexivity. Qed.', r"error at sentence 2"),
    Cheat(
        "fix_without_guard",
        "false",
        "exact ((fix f (n : nat) : False := f n) 0). Qed.",
        r"error at sentence 1",
    ),
    # -- restating and shadowing ----------------------------------------------------------------
    Cheat(
        "restate_weaker",
        "one_two",
        "Theorem one_two : 1 = 1. Proof. reflexivity. Qed.",
        r"different statement",
        "parse",
    ),
    Cheat(
        "restate_other_name",
        "one_two",
        "Theorem one_two' : 1 = 2. Proof. Admitted.",
        r"different statement",
        "parse",
    ),
    Cheat(
        "restate_as_lemma_with_other_type",
        "false",
        "Lemma bad : True. Proof. exact I. Qed.",
        r"different statement",
        "parse",
    ),
    Cheat(
        "shadow_lt_definition",
        "lt_refl_named",
        "Definition lt (n m : nat) := n = m. Theorem lt_refl_named : forall n : nat, lt n n. "
        "Proof. reflexivity. Qed.",
        r"different statement",
        "parse",
    ),
    Cheat(
        "shadow_lt_notation",
        "lt_refl",
        'Notation "x < y" := (x = y). Theorem lt_refl : forall n : nat, n < n. Proof. reflexivity. Qed.',
        r"declaration|Nested",
    ),
    Cheat(
        "statement_in_comment_only",
        "one_two",
        "(* Theorem one_two : 1 = 2. *) reflexivity. Qed.",
        r"error at sentence 1",
    ),
    # -- lexical tricks -------------------------------------------------------------------------
    Cheat(
        "string_hides_comment", "false", 'idtac "(*". Admitted. idtac "*)". Qed.', r"Admitted|left the proof"
    ),
    Cheat("comment_before_admitted", "false", "(* Qed. *) Admitted.", r"Admitted|left the proof"),
    Cheat("comment_inside_admitted", "false", "Admitted (* . *).", r"Admitted|left the proof"),
    Cheat("comment_qed_then_admit", "false", "(* Qed. *) admit. (* Qed. *) Qed.", r"admit|given up"),
    Cheat("string_qed_then_admit", "false", 'idtac "Qed. Admitted."; admit. Qed.', r"admit|given up"),
    Cheat("dot_glued_to_comment", "false", "idtac.(* x *) Admitted.", r"Admitted|error|Syntax"),
    Cheat("unicode_admitted", "false", "\u0410dmitted.", r"error at sentence 1"),  # Cyrillic A
    Cheat("unicode_admit", "false", "adm\u0456t. Qed.", r"error at sentence 1"),  # Cyrillic i
    Cheat("unicode_qed", "false", "Q\u0435d.", r"error at sentence 1|incomplete"),  # Cyrillic e
    Cheat(
        "xml_in_string",
        "false",
        "idtac \"</call><call val='Add'>&amp;Admitted.&lt;\"; exact I. Qed.",
        r"error at sentence 1",
    ),
    Cheat("xml_in_term", "andb_false", "intros b; destruct b; reflexivity. Qed.", r"error at sentence 1"),
    # -- weakening the kernel -------------------------------------------------------------------
    Cheat(
        "unset_guard",
        "false",
        "Unset Guard Checking. exact ((fix f (n : nat) : False := f n) 0). Qed.",
        r"kernel check|guarded",
    ),
    Cheat(
        "local_unset_guard",
        "false",
        "Local Unset Guard Checking. exact ((fix f (n : nat) : False := f n) 0). Qed.",
        r"kernel check|guarded",
    ),
    Cheat(
        "time_unset_guard",
        "false",
        "Time Unset Guard Checking. exact ((fix f (n : nat) : False := f n) 0). Qed.",
        r"kernel check|guarded",
    ),
    Cheat(
        "export_unset_guard",
        "false",
        "Export Unset Guard Checking. exact ((fix f (n : nat) : False := f n) 0). Qed.",
        r"kernel check|guarded",
    ),
    Cheat(
        "unset_universe", "triv", "Unset Universe Checking. exact I. Qed.", r"kernel check|unsafe hierarchy"
    ),
    Cheat(
        "attribute_unset_universe",
        "triv",
        "#[local] Unset Universe Checking. exact I. Qed.",
        r"kernel check|unsafe hierarchy",
    ),
    Cheat(
        "unset_positivity",
        "false",
        "Unset Positivity Checking. Inductive bad' := C : (bad' -> False) -> bad'. "
        "assert (H : bad' -> False) by (intros [h]; exact (h (C h))). exact (H (C H)). Qed.",
        r"kernel check|assumed to be positive",
    ),
    Cheat(
        "bypass_guard_attribute",
        "false",
        "idtac. #[bypass_check(guard)] Fixpoint loop (n : nat) : False := loop n. exact (loop 0). Qed.",
        r"declaration|guarded",
    ),
    Cheat(
        "bypass_guard_definition",
        "false",
        "idtac. #[bypass_check(guard)] Definition loop := fix g (n : nat) : False := g n. exact (loop 0). Qed.",
        r"declaration|guarded",
    ),
    # -- indirections ---------------------------------------------------------------------------
    Cheat("abstract_admit", "false", "abstract admit. Qed.", r"admit|given up"),
    Cheat("hint_extern_admit", "false", "Hint Extern 1 => admit : core. auto. Qed.", r"admit|given up"),
    Cheat(
        "notation_masks_theorem_name",
        "false",
        "Existing Class False. Declare Instance cheat : False. Notation bad := I. exact cheat. Qed.",
        r"Cannot mask",
    ),
    Cheat(
        "printing_options_hide_axiom",
        "false",
        "Set Printing Width 3. Set Printing Depth 1. Existing Class False. Declare Instance cheat : False. "
        "exact cheat. Qed.",
        r"axiom it declares itself: cheat",
    ),
    # -- in a file context (a section opened by the header) --------------------------------------
    Cheat("section_variable_in_proof", "sec_zero", "Variable cheat : n = 0. exact cheat. Qed.",
          r"assumption|not found"),
    Cheat("section_context_in_proof", "sec_zero", "Context (cheat : n = 0). exact cheat. Qed.",
          r"assumption|not found"),
    Cheat("redeclare_section_variable", "sec_zero", "Hypothesis Hn : n = 0. exact Hn. Qed.",
          r"assumption|already exists"),
    Cheat("axiom_in_file_context", "sec_zero", "Axiom cheat : forall k : nat, k = 0. apply cheat. Qed.",
          r"assumption|declares itself"),
    Cheat("end_section_in_proof", "sec_zero", "End Doubling. Axiom cheat : n = 0. exact cheat. Qed.",
          r"section|Command not supported"),
    # -- effects outside Coq: only the screen can stop these, before they run --------------------
    Cheat("declare_ml_module", "triv", 'Declare ML Module "ltac_plugin". exact I. Qed.', r"OCaml", "effect"),
    Cheat(
        "time_declare_ml_module",
        "triv",
        'Time Declare ML Module "ltac_plugin". exact I. Qed.',
        r"OCaml",
        "effect",
    ),
    Cheat("add_ml_path", "triv", 'Add ML Path "/tmp". exact I. Qed.', r"loaded from", "effect"),
    Cheat("add_loadpath", "triv", 'Add LoadPath "/tmp" as Evil. exact I. Qed.', r"loaded from", "effect"),
    Cheat("load", "false", 'Load "{scratch}/cheat". Qed.', r"loads another file", "effect"),
    Cheat("cd", "triv", 'Cd "{scratch}". exact I. Qed.', r"directory", "effect"),
    Cheat("succeed_cd", "triv", 'Succeed Cd "{scratch}". exact I. Qed.', r"directory", "effect"),
    Cheat("fail_fail_cd", "triv", 'Fail Fail Cd "{scratch}". exact I. Qed.', r"directory", "effect"),
    Cheat(
        "redirect",
        "triv",
        'Redirect "{scratch}/redirected" Print nat. exact I. Qed.',
        r"writes output",
        "effect",
    ),
    Cheat(
        "time_redirect",
        "triv",
        'Time Redirect "{scratch}/redirected" Print nat. exact I. Qed.',
        r"writes output",
        "effect",
    ),
    Cheat(
        "attribute_with_bracket_in_string_cd",
        "triv",
        '#[deprecated(note="]")] Cd "{scratch}". exact I. Qed.',
        r"directory",
        "effect",
    ),
    Cheat("drop", "triv", "Drop. exact I. Qed.", r"toplevel", "effect"),
    Cheat("extraction", "triv", 'Extraction "{scratch}/f.ml" nat. exact I. Qed.', r"extraction", "effect"),
    Cheat(
        "time_require_extraction",
        "triv",
        'Time Require Extraction. Time Extraction "{scratch}/f.ml" nat. exact I. Qed.',
        r"Require|extraction",
        "effect",
    ),
]

COQ_CHEATS = [c for c in CHEATS if c.kind == "coq"]
# What a rejection that Coq itself reported looks like (see CoqChecker._run and _audit_axioms).
COQ_REPORTED = re.compile(
    r"^(error at sentence|the proof is incomplete|sentence \d+ .* left the proof|the proof relies on|Coq reports)"
)


def _proof(cheat: Cheat, scratch: Path) -> str:
    return cheat.proof.replace("{scratch}", str(scratch))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where effectful cheats would write or move to; checked to be untouched after the corpus."""
    path = tmp_path_factory.mktemp("scratch")
    (path / "cheat.v").write_text("Admitted.\n")
    return path


def test_corpus_is_large_and_distinct() -> None:
    assert len(CHEATS) >= 35
    assert len({c.id for c in CHEATS}) == len(CHEATS)
    assert len({(c.theorem, c.proof) for c in CHEATS}) == len(CHEATS)


@pytest.mark.parametrize("cheat", CHEATS, ids=[c.id for c in CHEATS])
def test_cheat_is_rejected(coq_env: CoqEnv, scratch: Path, cheat: Cheat) -> None:
    verdict = coq_env.check(T[cheat.theorem], _proof(cheat, scratch))
    assert verdict.accepted is False, verdict
    assert verdict.reason and verdict.reason != "accepted"
    assert re.search(cheat.reason, verdict.reason), verdict.reason


@pytest.mark.parametrize("cheat", COQ_CHEATS, ids=[c.id for c in COQ_CHEATS])
def test_cheat_is_rejected_by_coq_without_the_screen(
    coq_env: CoqEnv, scratch: Path, cheat: Cheat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Defence in depth: the lexical screen is a convenience; soundness rests on Coq's reports.
    monkeypatch.setattr(check, "screen_sentence", lambda sentence: None)
    verdict = coq_env.check(T[cheat.theorem], _proof(cheat, scratch))
    assert verdict.accepted is False, verdict
    assert COQ_REPORTED.search(verdict.reason), verdict.reason


def test_effects_did_not_happen(coq_env: CoqEnv, scratch: Path) -> None:
    # Runs after the corpus (same module, file order): nothing was written there.
    assert sorted(p.name for p in scratch.iterdir()) == ["cheat.v"]
    verdict = coq_env.check(T["triv"], "exact I. Qed.")
    assert verdict.accepted, verdict


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ("Closed under the global context", ({}, True)),
        ("Axioms:\ncheat : Closed under the global context", ({"Axioms": ["cheat"]}, False)),
        (
            "Axioms:\nf is assumed to be guarded.",
            ({"Axioms": [], "Weakened kernel checks": ["f is assumed to be guarded."]}, False),
        ),
        (
            "Axioms:\nClassicalDedekindReals.sig_forall_dec\n  : forall P : nat -> Prop,\n    P 0",
            ({"Axioms": ["ClassicalDedekindReals.sig_forall_dec"]}, False),
        ),
    ],
    ids=["closed", "closed_inside_a_type", "guard", "wrapped_type"],
)
def test_parse_assumptions(report: str, expected: tuple[dict[str, list[str]], bool]) -> None:
    assert check.parse_assumptions(report) == expected


# -- real proofs -------------------------------------------------------------------------------


class Real(NamedTuple):
    id: str
    theorem: Theorem
    proof: str
    axioms: tuple[str, ...] = ()


LISTS = "Require Import List. Import ListNotations."
ZARITH = "Require Import ZArith Lia. Open Scope Z_scope."
ADD_0_R = T["add_0_r"]
ADD_COMM = Theorem(
    name="add_comm'",
    statement="Theorem add_comm' : forall n m : nat, n + m = m + n.",
    header="Require Import Lia.",
)
PLUS_N_O = Theorem(name="plus_n_O'", statement="Lemma plus_n_O' : forall n : nat, n = n + 0.")
AND_SWAP = Theorem(name="and_swap", statement="Theorem and_swap : forall A B : Prop, A /\\ B -> B /\\ A.")
APP_NIL_R = Theorem(
    name="app_nil_r'",
    statement="Theorem app_nil_r' : forall (A : Type) (l : list A), l ++ [] = l.",
    header=LISTS,
)
REV_REV = Theorem(
    name="rev_rev",
    statement="Theorem rev_rev : forall (A : Type) (l : list A), rev (rev l) = l.",
    header=LISTS,
)
REV_APP = Theorem(
    name="rev_app",
    statement="Theorem rev_app : forall (A : Type) (l m : list A), rev (l ++ m) = rev m ++ rev l.",
    header=LISTS,
)
NEGB = Theorem(name="negb_negb", statement="Theorem negb_negb : forall b : bool, negb (negb b) = b.")
ANDB = Theorem(
    name="andb_true_r'",
    statement="Theorem andb_true_r' : forall b : bool, b && true = b.",
    header="Open Scope bool_scope.",
)
Z_LT = Theorem(
    name="z_lt_le", statement="Theorem z_lt_le : forall x y : Z, x < y -> x + 1 <= y.", header=ZARITH
)
Z_RING = Theorem(
    name="z_square",
    statement="Theorem z_square : forall a b : Z, (a + b) * (a + b) = a * a + 2 * a * b + b * b.",
    header=ZARITH,
)
NAT_RING = Theorem(
    name="nat_distr",
    statement="Theorem nat_distr : forall a b c : nat, a * (b + c) = a * b + a * c.",
    header="Require Import Arith.",
)
REAL = Theorem(name="r_add_0", statement="Theorem r_add_0 : forall x : R, x + 0 = x.", header=REALS)
LEM = Theorem(
    name="lem", statement="Theorem lem : forall P : Prop, P \\/ ~ P.", header="Require Import Classical."
)
HAMMER = Theorem(
    name="h_swap",
    statement="Theorem h_swap : forall A B : Prop, A /\\ B -> B /\\ A.",
    header="From Hammer Require Import Tactics.",
)
CRUSH = Theorem(
    name="le_succ",
    statement="Theorem le_succ : forall n : nat, n <= S n.",
    header="Require Import Lia.\nLtac crush := intros; lia.",
)
TRIV = T["triv"]
TWO_GOALS = Theorem(name="two", statement="Theorem two : True /\\ (1 = 1 /\\ 2 = 2).")
DOUBLE_GE = Theorem(name="double_ge", statement="Lemma double_ge : n <= double n.", header=FILE_CONTEXT)
BELOW_BOUND = Theorem(name="below_bound", statement="Lemma below_bound : n < bound.", header=FILE_CONTEXT)

REAL_PROOFS = [
    Real("tactics_only", ADD_0_R, "intros n. now rewrite Nat.add_0_r. Qed."),
    Real("no_qed", ADD_0_R, "intros n. now rewrite Nat.add_0_r."),
    Real("proof_qed", ADD_0_R, "Proof.\n  intros n.\n  now rewrite Nat.add_0_r.\nQed."),
    Real("defined", ADD_0_R, "Proof. intros n. now rewrite Nat.add_0_r. Defined."),
    Real(
        "induction",
        PLUS_N_O,
        "induction n as [| n IH]; simpl; [reflexivity | rewrite <- IH; reflexivity]. Qed.",
    ),
    Real(
        "bullets",
        PLUS_N_O,
        "intros n. induction n as [| n IH].\n- reflexivity.\n- simpl. rewrite <- IH. reflexivity.\nQed.",
    ),
    Real(
        "nested_bullets", TWO_GOALS, "split.\n- exact I.\n- split.\n  + reflexivity.\n  + reflexivity.\nQed."
    ),
    Real(
        "star_bullets", TWO_GOALS, "split.\n* exact I.\n* split.\n  -- reflexivity.\n  -- reflexivity.\nQed."
    ),
    Real("braces", TWO_GOALS, "split. { exact I. } { split. { reflexivity. } { reflexivity. } } Qed."),
    Real("goal_selector_brace", TWO_GOALS, "split. 2: { split; reflexivity. } exact I. Qed."),
    Real("all_selector", TWO_GOALS, "split; [exact I | split]. all: reflexivity. Qed."),
    Real("branch_tacticals", TWO_GOALS, "split; [ exact I | split; [ reflexivity | reflexivity ] ]. Qed."),
    Real("proof_with", TWO_GOALS, "Proof with auto. split... Qed."),
    Real("proof_using", TRIV, "Proof using. exact I. Qed."),
    Real("lia", ADD_COMM, "intros; lia. Qed."),
    Real("ring_nat", NAT_RING, "intros. ring. Qed."),
    Real(
        "ltac_in_proof",
        PLUS_N_O,
        "Ltac close := simpl; reflexivity. intros n. induction n. close. simpl. "
        "rewrite <- IHn. reflexivity. Qed.",
    ),
    Real("ltac_in_header", CRUSH, "crush. Qed."),
    Real("fail_and_time_wrappers", ADD_0_R, "Fail reflexivity. Time intros n. now rewrite Nat.add_0_r. Qed."),
    Real(
        "app_nil_r",
        APP_NIL_R,
        "intros A l. induction l as [| x l IH]; simpl; [reflexivity | now rewrite IH]. Qed.",
    ),
    Real("rev_involutive", REV_REV, "intros. apply rev_involutive. Qed."),
    Real("rev_app_distr", REV_APP, "intros. apply rev_app_distr. Qed."),
    Real("bool_cases", NEGB, "intros [|]; reflexivity. Qed."),
    Real("andb_xml_chars", ANDB, 'idtac "<&> &amp; ]]>". destruct b; reflexivity. (* a < b && c > d *) Qed.'),
    Real("zarith_lia", Z_LT, "intros x y H. lia. Qed."),
    Real("zarith_ring", Z_RING, "intros. ring. Qed."),
    Real("string_with_qed", TRIV, 'idtac "Qed. Admitted.". exact I. Qed.'),
    Real("comment_with_qed", TRIV, "(* Qed. *) exact I. (* Admitted. *) Qed."),
    Real("comment_with_quote", TRIV, 'exact I. (* " *) Admitted. (* " *) Qed.'),
    Real(
        "whole_answer",
        ADD_0_R,
        "Require Import Arith.\n\nTheorem add_0_r : forall n : nat, n + 0 = n.\nProof.\n  intros n. now rewrite Nat.add_0_r.\nQed.",
    ),
    Real(
        "whole_answer_extra_whitespace",
        ADD_0_R,
        "Require   Import\n Arith.\nTheorem   add_0_r :\n    forall n : nat,\tn + 0   =  n.\nProof. intros n. now rewrite Nat.add_0_r. Qed.",
    ),
    Real(
        "whole_answer_statement_only",
        AND_SWAP,
        "Theorem and_swap : forall A B : Prop, A /\\ B -> B /\\ A.\nProof. intros A B [a b]. split; assumption. Qed.",
    ),
    Real("classical_in_header", LEM, "exact classic. Qed.", (CLASSIC,)),
    Real("hammer_sauto", HAMMER, "sauto. Qed."),
    Real("reals_ring", REAL, "intros x. ring. Qed.", REALS_AXIOMS),
    Real("file_context_section_variables", DOUBLE_GE, "unfold double. apply Nat.le_add_r. Qed."),
]


def test_real_proof_list_is_large() -> None:
    assert len(REAL_PROOFS) >= 25
    assert len({r.id for r in REAL_PROOFS}) == len(REAL_PROOFS)


@pytest.mark.parametrize("real", REAL_PROOFS, ids=[r.id for r in REAL_PROOFS])
def test_real_proof_is_accepted(coq_env: CoqEnv, real: Real) -> None:
    verdict = coq_env.check(real.theorem, real.proof)
    assert verdict.accepted is True, verdict
    assert verdict.reason == "accepted"
    assert sorted(verdict.axioms) == sorted(real.axioms)


def test_verdict_is_independent_of_earlier_cheats(coq_env: CoqEnv) -> None:
    # A rejected cheat leaves nothing behind for the next check: same theorem, cheat then proof.
    assert not coq_env.check(ADD_0_R, "intros n. Axiom cheat : forall n, n + 0 = n. apply cheat. Qed.")
    assert coq_env.check(ADD_0_R, "intros n. now rewrite Nat.add_0_r. Qed.").accepted
    assert not coq_env.check(
        T["false"], "Existing Class False. Declare Instance cheat : False. exact cheat. Qed."
    )
    assert coq_env.check(TRIV, "exact I. Qed.").accepted


# -- allowed axioms ----------------------------------------------------------------------------


def test_empty_allowlist_rejects_reals_and_classical() -> None:
    with CoqEnv(allowed_axioms=()) as env:
        reals = env.check(REAL, "intros x. ring. Qed.")
        assert reals.accepted is False
        assert re.search(
            r"Coq\.Reals\.ClassicalDedekindReals\.sig_forall_dec|functional_extensionality_dep", reals.reason
        ), reals.reason
        assert "not in the allowed axioms" in reals.reason
        classical = env.check(LEM, "exact classic. Qed.")
        assert classical.accepted is False and CLASSIC in classical.reason
        closed = env.check(ADD_0_R, "intros n. now rewrite Nat.add_0_r. Qed.")
        assert closed.accepted and closed.axioms == ()


def test_explicit_allowlist_accepts_only_what_it_lists() -> None:
    with CoqEnv(allowed_axioms=(CLASSIC,)) as env:
        assert env.check(LEM, "exact classic. Qed.").axioms == (CLASSIC,)
        # Listed, but not loaded by this header: the header check still applies.
        unloaded = Theorem(name="lem2", statement="Theorem lem2 : forall P : Prop, P \\/ ~ P.")
        verdict = env.check(unloaded, "Time Require Import Classical. exact classic. Qed.")
        assert verdict.accepted is False


def test_file_assumptions_need_an_explicit_allowlist(coq_env: CoqEnv) -> None:
    """A file context's own Parameter/Axiom is not a library's: rejected unless allowed by name."""
    proof = "unfold small in Hn. pose proof bound_big. lia. Qed."
    verdict = coq_env.check(BELOW_BOUND, proof)
    assert not verdict.accepted
    assert re.search(r"Top\.bound(_big)?, an assumption of the file", verdict.reason), verdict.reason
    with CoqEnv(allowed_axioms=("Top.bound", "Top.bound_big")) as env:
        allowed = env.check(BELOW_BOUND, proof)
    assert allowed.accepted, allowed.reason
    assert set(allowed.axioms) == {"Top.bound", "Top.bound_big"}


def test_section_variable_named_like_a_locate_keyword(coq_env: CoqEnv) -> None:
    """micromega/Tauto.v has `Variable Term : Type.`; plain `Locate Term.` is a syntax error."""
    header = "Section S.\nVariable Term : Type.\nVariable t : Term."
    thm = Theorem(name="has_term", statement="Lemma has_term : exists x : Term, x = t.", header=header)
    verdict = coq_env.check(thm, "exists t. reflexivity. Qed.")
    assert verdict.accepted, verdict.reason
