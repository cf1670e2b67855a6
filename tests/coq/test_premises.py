"""The premise corpus (`prover.data.premises`) of a few stdlib modules, built by a real coqidetop."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.data.premise_sources import link_sources, scan_source
from prover.data.premises import (
    KINDS,
    Premise,
    PremiseIndex,
    _Libraries,
    _parse_search,
    accessible,
    build_corpus,
    read_corpus,
    write_corpus,
)
from prover.envs.coq.document import CoqDocument, Done
from prover.envs.coq.sentences import split_sentences
from prover.errors import ConfigError
from tests.conftest import STDLIB, needs_coq

MODULES = [
    ("Coq.Init.Datatypes", "Init/Datatypes.v"),  # the prelude: imported, names print bare
    ("Coq.Arith.PeanoNat", "Arith/PeanoNat.v"),  # Module Nat, filled by Include
    ("Coq.Lists.List", "Lists/List.v"),  # Sections, Fixpoints, inductives in sections
    ("Coq.Bool.Bool", "Bool/Bool.v"),
    ("Coq.Sorting.Permutation", "Sorting/Permutation.v"),  # Sections with Variables
    ("Coq.Logic.Classical_Prop", "Logic/Classical_Prop.v"),  # an Axiom
]

# name -> (kind, declaring keyword and name as they start the declaring sentence, or None:
# the sentence is asserted separately)
KNOWN = {
    "Coq.Init.Datatypes.nat": ("inductive", "Inductive nat"),
    "Coq.Init.Datatypes.S": ("constructor", "Inductive nat"),
    "Coq.Init.Datatypes.O": ("constructor", "Inductive nat"),
    "Coq.Init.Datatypes.nat_ind": ("definition", "Inductive nat"),
    "Coq.Init.Datatypes.andb": ("definition", "Definition andb"),
    "Coq.Arith.PeanoNat.Nat.eq_equiv": ("definition", "Definition eq_equiv"),
    "Coq.Arith.PeanoNat.Nat.add_comm": ("theorem", None),  # brought by an Include
    "Coq.Lists.List.map": ("definition", "Fixpoint map"),
    "Coq.Lists.List.app_nil_r": ("theorem", "Theorem app_nil_r"),
    "Coq.Lists.List.Forall": ("inductive", "Inductive Forall"),
    "Coq.Lists.List.Forall_nil": ("constructor", "Inductive Forall"),
    "Coq.Lists.List.Forall_cons": ("constructor", "Inductive Forall"),
    "Coq.Bool.Bool.negb_involutive": ("theorem", "Lemma negb_involutive"),
    "Coq.Sorting.Permutation.Permutation": ("inductive", "Inductive Permutation"),
    "Coq.Sorting.Permutation.perm_swap": ("constructor", "Inductive Permutation"),
    "Coq.Sorting.Permutation.Permutation_app": ("theorem", "Theorem Permutation_app"),
    "Coq.Logic.Classical_Prop.classic": ("axiom", "Axiom classic"),
    "Coq.Logic.Classical_Prop.NNPP": ("theorem", "Lemma NNPP"),
}

pytestmark = needs_coq


@pytest.fixture(scope="module")
def corpus() -> list[Premise]:
    return build_corpus(MODULES, root=STDLIB)


@pytest.fixture(scope="module")
def by_name(corpus: list[Premise]) -> dict[str, Premise]:
    return {p.name: p for p in corpus}


@pytest.fixture(scope="module")
def doc() -> Iterator[CoqDocument]:
    """A coqidetop with the same modules required: the printing context of the corpus."""
    document = CoqDocument()
    assert isinstance(document.advance(f"Require {' '.join(m for m, _ in MODULES)}.", 120), Done)
    yield document
    document.close()


def _source_lines(relative: str) -> list[str]:
    return (STDLIB / relative).read_text(encoding="utf-8").splitlines()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_corpus_has_every_module_and_sane_fields(corpus: list[Premise]) -> None:
    assert len(corpus) > 1500
    assert len({p.name for p in corpus}) == len(corpus)
    assert {p.module for p in corpus} == {m for m, _ in MODULES}
    files = dict(MODULES)
    for premise in corpus:
        assert premise.name.startswith(premise.module + ".")
        assert premise.file == files[premise.module]
        assert premise.kind in KINDS
        assert premise.type and "\n" not in premise.type and "  " not in premise.type
    # Only constants whose origin the file does not name go without a line here: none.
    assert all(p.line > 0 for p in corpus), [p.name for p in corpus if not p.line]


def test_known_constants_have_their_name_kind_and_declaring_line(by_name: dict[str, Premise]) -> None:
    for name, (kind, declaration) in KNOWN.items():
        premise = by_name.get(name)
        assert premise is not None, f"{name} is missing"
        assert premise.kind == kind, (name, premise.kind)
        assert premise.module == next(m for m, _ in MODULES if name.startswith(m + "."))
        text = _source_lines(premise.file)[premise.line - 1]
        if declaration is not None:
            assert re.match(rf"\s*(#\[[^\]]*\]\s*)*{declaration}\b", text), (name, premise.line, text)
    # An Included constant gets the line of an Include of its module (the last one: a bound).
    include = _source_lines("Arith/PeanoNat.v")[by_name["Coq.Arith.PeanoNat.Nat.add_comm"].line - 1]
    assert include.lstrip().startswith("Include ")


def test_types_are_what_coq_prints(corpus: list[Premise], by_name: dict[str, Premise],
                                   doc: CoqDocument) -> None:
    """Types are what `About` prints, implicit binders included.

    `Check` prints the type of the term instead, where they are plain binders: the same when
    there are none.
    """
    sample = [by_name[n] for n in KNOWN] + corpus[:: max(1, len(corpus) // 80)]
    for premise in sample:
        about = _one_line(doc.query(f"About {premise.name}.").split("\n\n", 1)[0])
        assert re.sub(r"^\S+ : ", "", about) == premise.type, premise.name
        if not re.search(r"forall [\[{]|\bfun [\[{]", premise.type):
            checked = _one_line(doc.query(f"Check {premise.name}.").split("\n", 1)[1])
            assert checked.removeprefix(": ") == premise.type, premise.name
    assert by_name["Coq.Lists.List.Forall_nil"].type == "forall [A : Type] (P : A -> Prop), List.Forall P nil"
    assert by_name["Coq.Arith.PeanoNat.Nat.add_comm"].type == "forall n m : nat, n + m = m + n"


def test_every_name_locates_to_itself(corpus: list[Premise], doc: CoqDocument) -> None:
    objects = {"constructor": "Constructor", "inductive": "Inductive"}
    for premise in corpus:
        kind, name = doc.query(f"Locate {premise.name}.").split()[:2]
        assert name == premise.name
        assert kind == objects.get(premise.kind, "Constant"), premise.name


def test_lines_start_sentences(corpus: list[Premise]) -> None:
    starts = {}
    for module, relative in MODULES:
        source = (STDLIB / relative).read_text(encoding="utf-8")
        starts[module] = {s.line for s in split_sentences(source)}
    assert all(p.line in starts[p.module] for p in corpus)


def test_accessible_is_loaded_modules_and_earlier_lines(corpus: list[Premise],
                                                        by_name: dict[str, Premise]) -> None:
    here = by_name["Coq.Lists.List.app_nil_r"]
    names = accessible(corpus, ["Coq.Init.Datatypes", "Coq.Bool.Bool"], here.module, here.line)
    assert {"Coq.Init.Datatypes.nat", "Coq.Init.Datatypes.S", "Coq.Bool.Bool.negb_involutive"} <= names
    assert all(by_name[n].module in ("Coq.Init.Datatypes", "Coq.Bool.Bool", here.module) for n in names)
    earlier = {p.name for p in corpus if p.module == here.module and 0 < p.line < here.line}
    later = {p.name for p in corpus if p.module == here.module and p.line >= here.line}
    assert earlier and later
    assert earlier <= names
    assert not later & names
    assert here.name not in names
    assert "Coq.Lists.List.map" not in names  # declared after app_nil_r
    assert "Coq.Arith.PeanoNat.Nat.add_comm" not in names  # PeanoNat is not required
    assert "Coq.Sorting.Permutation.Permutation" not in names
    # Listing the module itself as required does not open up its later lines.
    again = accessible(corpus, [here.module, "Coq.Init.Datatypes", "Coq.Bool.Bool"], here.module, here.line)
    assert again == names
    index = PremiseIndex(corpus)
    assert index.accessible(["Coq.Init.Datatypes", "Coq.Bool.Bool"], here.module, here.line) == names
    last = max(p.line for p in corpus if p.module == here.module) + 1
    everything = {p.name for p in corpus if p.module in ("Coq.Lists.List", "Coq.Arith.PeanoNat")}
    assert index.accessible(["Coq.Arith.PeanoNat"], "Coq.Lists.List", last) == everything


def test_jsonl_round_trip(corpus: list[Premise], tmp_path: Path) -> None:
    path = tmp_path / "sub" / "premises.jsonl"
    assert write_corpus(path, corpus) == len(corpus)
    assert read_corpus(path) == corpus
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert list(first) == ["name", "type", "kind", "module", "file", "line"]  # flat, fixed types
    assert not (tmp_path / "sub" / "premises.jsonl.partial").exists()
    path.write_text('{"name": "x"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a premise record"):
        read_corpus(path)


def test_a_module_that_cannot_be_loaded_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="prover.data.premises"):
        premises = build_corpus(
            [("Coq.NoSuch.Module", "NoSuch/Module.v"), ("Coq.Bool.Sumbool", "Bool/Sumbool.v")], root=STDLIB)
    assert premises
    assert {p.module for p in premises} == {"Coq.Bool.Sumbool"}
    assert "left out Coq.NoSuch.Module" in caplog.text


SOURCE = """
Module M.
  Definition d := 0.
  Module Inner.
    Lemma l : True. Proof. exact I. Qed.
  End Inner.
  Include SomeSig.
End M.
Module Type T.
  Parameter hidden : nat.
End T.
Module F (X : T).
  Definition in_functor := 0.
End F.
Module N := F M.
Section S.
  Variable v : nat.
  Let local := v.
  Fixpoint even n := match n with O => true | S m => odd m end
  with odd n := match n with O => false | S m => even m end.
  Inductive tree : Type := Leaf | Node (l r : tree) where "x" := (tree).
  Record point := mkpoint { px : nat ; py : {n | n = n} ; pz : nat }.
  Instance : Proper eq d.
  #[global] Program Instance named_instance : C.
End S.
Axioms ax1 ax2 : False.
Parameter (p1 : nat) (p2 : bool).
Class Def (A : Type) := method : A.
Add Ring R : theory.
Example ex : True. Proof. exact I. Qed.
"""


def test_scan_source_finds_declarations_by_module_path() -> None:
    index = scan_source(SOURCE)
    lines = {n: (d.line, d.kind) for n, d in {**index.weak, **index.names}.items()}
    assert lines["M.d"] == (3, "definition")
    assert lines["M.Inner.l"] == (5, "theorem")
    assert lines["even"] == lines["odd"] == (19, "definition")
    assert lines["tree"] == (21, "inductive")
    assert lines["Leaf"] == lines["Node"] == (21, "constructor")
    assert lines["tree_ind"] == (21, "definition")
    assert lines["point"] == (22, "inductive")
    assert lines["mkpoint"] == (22, "constructor")
    assert lines["px"] == lines["py"] == lines["pz"] == (22, "definition")
    assert lines["Proper_instance_0"] == (23, "definition")
    assert lines["named_instance"] == (24, "definition")
    assert lines["ax1"] == lines["ax2"] == (26, "axiom")
    assert lines["p1"] == lines["p2"] == (27, "axiom")
    assert lines["Def"] == lines["method"] == (28, "definition")
    assert lines["ex"] == (30, "theorem")
    # Not constants: module-type and functor contents, section variables and Lets.
    assert not {"T.hidden", "F.in_functor", "hidden", "v", "local"} & set(lines)
    # Constants the file does not name: what created them.
    assert index.find("M.from_sig") == index.find("M.Inner2.x") is not None
    assert index.find("M.from_sig").line == 7  # Include SomeSig
    assert index.find("N.d").line == 15  # Module N := F M
    assert index.find("named_instance_obligation_1").line == 24
    assert index.find("R_ring_lemma1").line == 29
    assert index.find("unknown") is None


BASE = """\
Module Type Props (Import X : T).
Lemma comm : forall n m, n + m = m + n.
Parameter p : nat.
End Props.
Module Real.
Definition r := 0.
End Real.
Module Type Alias := Props.
"""

USER = """\
Module MakeRaw (X : T).
Definition ok (s : nat) : Prop := True.
Include Props X.
Lemma later : ok 0.
Module Inner.
Inductive t := C : t.
End Inner.
End MakeRaw.
Module Top.
Definition own := 1.
Include A.Real.
Include Alias.
End Top.
Module F2 (X : T).
Include X.
End F2.
"""


def test_link_sources_names_functor_bodies_and_included_constants() -> None:
    indexes = {"L.A": scan_source(BASE), "L.B": scan_source(USER)}
    link_sources(indexes)
    functors = {n: (d.line, d.kind, d.type) for n, d in indexes["L.B"].functors.items()}
    assert functors["MakeRaw.ok"] == (2, "definition", "Prop")
    assert functors["MakeRaw.comm"] == (3, "theorem", "forall n m, n + m = m + n")  # at the Include
    assert functors["MakeRaw.later"] == (4, "theorem", "ok 0")
    assert functors["MakeRaw.Inner.t"][:2] == (6, "inductive")
    assert functors["MakeRaw.Inner.C"] == (6, "constructor", "t")
    assert "MakeRaw.p" not in functors  # a Module Type's Parameter is no constant once included
    assert not any(n.startswith("F2.") for n in functors)  # Include of a functor parameter: unknown
    assert "Props.comm" in indexes["L.A"].functors  # module type bodies: usable later in them
    # In a real module, an included constant is placed at the Include that brought it.
    index = indexes["L.B"]
    assert index.find("Top.own").line == 10
    assert index.find("Top.r").line == 11
    assert index.find("Top.comm").line == 12
    assert "Top.own" not in index.functors


def test_search_output_is_read_across_wrapped_lines() -> None:
    out = (
        "PeanoNat.Nat.add_comm: forall n m : nat, n + m = m + n\n"
        "PeanoNat.Nat.Odd_OddT:\n  forall n : nat, PeanoNat.Nat.Odd n -> PeanoNat.Nat.OddT n\n"
        "nat: Set\n"
        '(use "About" for full details on the implicit arguments of\n PeanoNat.Nat.eqb_compat)'
    )
    found = [(f.printed, f.type) for f in _parse_search(out)]
    assert found == [
        ("PeanoNat.Nat.add_comm", "forall n m : nat, n + m = m + n"),
        ("PeanoNat.Nat.Odd_OddT", "forall n : nat, PeanoNat.Nat.Odd n -> PeanoNat.Nat.OddT n"),
        ("nat", "Set"),
    ]
    libraries = _Libraries(["Coq.Arith.PeanoNat", "Coq.Init.Nat", "Coq.Program.Wf"],
                           imported=["Coq.Init.Datatypes"])
    assert libraries.candidates("PeanoNat.Nat.add_comm") == {
        ("Coq.Arith.PeanoNat", "Coq.Arith.PeanoNat.Nat.add_comm"),
        ("Coq.Init.Datatypes", "Coq.Init.Datatypes.PeanoNat.Nat.add_comm"),  # Locate decides
    }
    assert libraries.candidates("Program.Wf.measure") >= {("Coq.Program.Wf", "Coq.Program.Wf.measure")}
    assert _Libraries(["Coq.Init.Nat"]).candidates("Nat.add") == {("Coq.Init.Nat", "Coq.Init.Nat.add")}
