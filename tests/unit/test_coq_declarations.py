"""The lexical reading of Coq declarations, pinned caller by caller on tricky inputs.

Three callers read "does this sentence declare something, and what" with slightly different
forms: the theorems of a file (`declared_name`: ``prover check FILE.v`` and the
``coq-stdlib``/``coq-files`` benchmarks), extraction (`prover.data.coq`: which opened proofs
it records, and the theorems after a failed replay) and the restatement check of
`parse_candidate`. Each row records what each caller reads today, quirks included: a changed
cell is a behaviour change, to be made on purpose and in its own commit.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.data import coq
from prover.envs.base import Theorem
from prover.envs.coq.check import parse_candidate
from prover.envs.coq.files import (
    PROOF_OPENERS,
    THEOREMS,
    Declaration,
    DeclarationForm,
    declared_name,
    logical_module,
    read_declaration,
    theorems_in_source,
)
from prover.envs.coq.sentences import SentenceSplitError, split_sentences

_OTHER = Theorem(name="other", statement="Lemma other_statement : False.")
_RESTATED = "the proof restates the theorem with a different statement"


def opens_recorded_proof(sentence: str) -> bool:
    """Extraction records the proof this sentence opens (given Coq opened one)."""
    return read_declaration(sentence, PROOF_OPENERS) is not None


def opener_name(sentence: str) -> str | None:
    """The name extraction reads from a statement the replay never reached."""
    found = read_declaration(sentence, PROOF_OPENERS)
    return found.name if found is not None else None


def restates(sentence: str) -> bool:
    """`parse_candidate` takes the candidate's first sentence for a (re)statement."""
    return parse_candidate(_OTHER, sentence + "\nexact I.") == _RESTATED


def changes_scope(sentence: str) -> bool:
    """Extraction drops every cached name resolution after this sentence."""
    return read_declaration(sentence, coq._SCOPE_CHANGES) is not None


# (sentence, declared_name, opens a recorded proof, opener's name, may open a proof, restates)
ROWS = [
    ("Theorem foo : True.", "foo", True, "foo", True, True),
    ("Lemma foo: True.", "foo", True, "foo", True, True),
    ("Local Lemma foo : True.", "foo", True, "foo", True, True),
    ("Global Instance foo : Bar.", None, True, "foo", True, True),
    ("#[global] Instance foo : Bar.", None, True, "foo", True, True),
    ("#[local] Lemma foo : True.", "foo", True, "foo", True, True),
    ("#[local] #[universes(polymorphic)] Lemma foo : True.", None, True, "foo", True, False),
    ("#[local]Lemma foo : True.", "foo", True, "foo", True, True),
    ("#[ export ] Instance i : C.", None, True, "i", True, True),
    ("#[program] Definition foo : nat := _.", None, True, "foo", False, True),
    ("Program Definition foo : nat := _.", None, False, None, False, False),
    ("Program Lemma foo : True.", "foo", False, None, False, False),
    ("Polymorphic Lemma foo : True.", "foo", True, "foo", True, False),
    ("Monomorphic Theorem foo : True.", "foo", True, "foo", True, False),
    ("Cumulative Lemma foo : True.", None, True, "foo", True, False),
    ("NonCumulative Lemma foo : True.", None, True, "foo", True, False),
    ("Local Polymorphic Lemma foo : True.", "foo", True, "foo", True, False),
    ("Local Global Lemma foo : True.", "foo", True, "foo", True, False),
    ("Global #[local] Lemma foo : True.", None, False, None, False, False),
    ("Time Lemma foo : True.", None, False, None, False, False),
    ("Lemma Nat.add_comm' : True.", "Nat.add_comm'", True, "Nat", True, True),
    ("Lemma foo'' : True.", "foo''", True, "foo''", True, True),
    ("Lemma _foo : True.", "_foo", True, "_foo", True, True),
    ("Lemma 1foo : True.", "1foo", True, None, True, True),
    ("Lemma αβ : True.", "αβ", True, "αβ", True, True),
    ("Lemma foo.", "foo.", True, "foo", True, True),
    ("Lemma:foo.", None, True, None, True, True),
    ("Lemma (n : nat) : True.", None, True, None, True, True),
    ("Theorem.", None, True, None, True, True),
    ("(* a comment *) Lemma foo : True.", "foo", True, "foo", True, True),
    ("(* (* nested *) *)\n#[local] (* between *) Lemma foo : True.", "foo", True, "foo", True, True),
    ("Lemma (* before the name *) foo : True.", "foo", True, "foo", True, True),
    ("(* Lemma hidden : True. *) Definition x := 1.", None, True, "x", False, True),
    ("  \n Theorem\nfoo\n: True.", "foo", True, "foo", True, True),
    ("Definition foo := 1.", None, True, "foo", False, True),
    ("Definition foo : nat.", None, True, "foo", True, True),
    ("Local Definition foo : nat.", None, True, "foo", True, True),
    ("Fixpoint f (n : nat) : nat := n.", None, True, "f", False, True),
    ("CoFixpoint s : nat.", None, True, "s", True, False),
    ("Instance : Foo.", None, True, None, True, True),
    ("Instance foo : Foo.", None, True, "foo", True, True),
    ("Goal True.", None, False, None, False, True),
    ("Example ex1 : 1 = 1.", "ex1", True, "ex1", True, True),
    ("Fact f : True.", "f", True, "f", True, True),
    ("Remark r : True.", "r", True, "r", True, True),
    ("Corollary c : True.", "c", True, "c", True, True),
    ("Proposition p : True.", "p", True, "p", True, True),
    ("Property p : True.", "p", True, "p", True, True),
    ("Lemmas foo.", None, False, None, False, False),
    ("lemma foo : True.", None, False, None, False, False),
    ("Let x : nat.", None, False, None, False, False),
    ("Require Import Arith.", None, False, None, False, False),
    ("Axiom ax : False.", None, False, None, False, False),
]


@pytest.mark.parametrize(("sentence", "name", "opens", "opener", "may_open", "restated"), ROWS)
def test_each_caller_reads_declarations_as_pinned(
    sentence: str, name: str | None, opens: bool, opener: str | None, may_open: bool, restated: bool
) -> None:
    assert declared_name(sentence) == name
    assert opens_recorded_proof(sentence) is opens
    assert opener_name(sentence) == opener
    assert coq._may_open_proof(sentence) is may_open
    assert restates(sentence) is restated


@pytest.mark.parametrize(
    ("sentence", "changes"),
    [
        ("Require Import Arith.", True),
        ("From Coq Require Import Arith.", True),
        ("Import ListNotations.", True),
        ("Export M.", True),
        ("#[local] Module M.", True),
        ("Local Polymorphic Include F.", True),
        ("(* End *) End M.", True),
        ("Declare Module M : T.", True),
        ("Load file.", True),
        ("Reset foo.", True),
        ("Back.", True),
        ("Program Module M.", False),
        ("Requirement x.", False),
        ("Lemma foo : True.", False),
        ("Definition Import := 1.", False),
        ("Global Set Printing All.", False),
    ],
)
def test_extraction_reads_scope_changes_as_pinned(sentence: str, changes: bool) -> None:
    assert changes_scope(sentence) is changes


SOURCE = """
Lemma a : True.
Proof.
Definition inner := 1.
exact I.
Qed.
#[local] #[universes(polymorphic)] Lemma b : True.
Proof. exact I. Qed.
(* Lemma commented : False. *)
Local Lemma c' : True.
Proof. exact I. Defined.
Lemma d : True.
Lemma e : True.
Proof. exact I. Qed.
"""


def test_a_file_s_theorems_and_their_proofs_as_pinned() -> None:
    found = {t.name: t.gold_proof for t in theorems_in_source(SOURCE)}
    assert found == {
        "a": "Proof.\nDefinition inner := 1.\nexact I.\nQed.",  # a Definition does not end it
        "c'": "Proof.\nexact I.\nDefined.",
        "d": None,  # the next theorem starts before any closer
        "e": "Proof.\nexact I.\nQed.",
    }


def test_extraction_reads_a_proof_up_to_the_next_opener() -> None:
    sentences = split_sentences(SOURCE)
    proofs = [[s.text for s in coq._lexical_proof(sentences, i)] for i in range(len(sentences))]
    assert proofs[0] == []  # `Definition inner` opens a proof for extraction: a's proof is cut
    b = next(i for i, s in enumerate(sentences) if s.text.startswith("#[local]"))
    assert proofs[b] == ["Proof.", "exact I.", "Qed."]
    d = next(i for i, s in enumerate(sentences) if s.text.startswith("Lemma d"))
    assert proofs[d] == []


def test_the_reader_returns_keyword_and_name() -> None:
    found = read_declaration("(* doc *) #[local] Polymorphic Lemma Nat.le_trans' : True.", THEOREMS)
    assert found == Declaration("Lemma", "Nat.le_trans'")
    assert found.theorem_like
    instance = read_declaration("Global Instance : Proper f.", PROOF_OPENERS)
    assert instance == Declaration("Instance", None)
    assert not instance.theorem_like


def test_a_form_without_modifiers_takes_none() -> None:
    bare = DeclarationForm(keywords=frozenset({"Lemma"}), modifiers=frozenset())
    assert read_declaration("Lemma a : True.", bare) == Declaration("Lemma", "a")
    assert read_declaration("Local Lemma a : True.", bare) is None
    assert read_declaration(" Lemma a : True.", replace(bare, keywords=frozenset())) is None


def test_an_unterminated_comment_is_an_error_not_a_declaration() -> None:
    with pytest.raises(SentenceSplitError):
        read_declaration("(* Lemma a : True.", THEOREMS)


def test_a_file_path_gives_its_logical_module() -> None:
    """One rule for extraction, the premise corpus and the benchmark loader alike."""
    assert logical_module("Coq", "Arith/PeanoNat.v") == "Coq.Arith.PeanoNat"
    assert logical_module("mathcomp", "ssreflect/seq.v") == "mathcomp.ssreflect.seq"
    assert logical_module("", "Top.v") == "Top"
