"""Unit tests for prover.envs.coq.sentences (pure Coq sentence splitting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.envs.coq.sentences import Sentence, SentenceSplitError, split_sentences, strip_comments

STDLIB = Path("/usr/lib/ocaml/coq/theories")
_STDLIB_FILES = sorted(STDLIB.rglob("*.v")) if STDLIB.is_dir() else []


def texts(source: str) -> list[str]:
    return [s.text for s in split_sentences(source)]


def assert_partition(source: str, sentences: list[Sentence]) -> None:
    """Sentences are ordered, disjoint, verbatim, and everything between them is blanks or comments."""
    prev = 0
    line = 1
    for s in sentences:
        assert s.start >= prev, f"overlap at line {s.line}"
        assert source[s.start : s.end] == s.text
        assert s.text and not s.text[0].isspace() and not s.text.startswith("(*")
        line += source.count("\n", prev, s.start)
        assert s.line == line
        line += s.text.count("\n")
        gap = strip_comments(source[prev : s.start])
        assert gap.strip(" \t\n\r") == "", f"code outside any sentence before line {s.line}: {gap!r}"
        prev = s.end
    assert strip_comments(source[prev:]).strip(" \t\n\r") == ""


# --- terminators -------------------------------------------------------------------------------


def test_simple_sentences_and_final_dot_at_eof() -> None:
    assert texts("Check 1.\nCheck 2.") == ["Check 1.", "Check 2."]
    assert texts("Check 1.") == ["Check 1."]
    assert texts("") == []
    assert texts("  \n\t ") == []


def test_qualified_names_and_numbers_do_not_terminate() -> None:
    src = "Require Import Coq.Arith.Arith.\nCheck Nat.add_comm.\nCheck Coq.Init.Nat.add.\nCheck 1.5.\n"
    assert texts(src) == [
        "Require Import Coq.Arith.Arith.",
        "Check Nat.add_comm.",
        "Check Coq.Init.Nat.add.",
        "Check 1.5.",
    ]


def test_terminator_directly_after_identifier_or_number() -> None:
    assert texts("exact I.\nexact x'.\tCheck 1.\r\nQed.") == ["exact I.", "exact x'.", "Check 1.", "Qed."]


def test_dot_not_followed_by_blank_is_not_a_terminator() -> None:
    # x.(f) is a projection; "Qed.(*" lexes as ".(" in Coq, which rejects it, so no split there either.
    assert texts("Check x.(f). Check y.") == ["Check x.(f).", "Check y."]
    assert texts("Qed.(* c *)\nCheck 1.") == ["Qed.(* c *)\nCheck 1."]


def test_recursive_notation_dots() -> None:
    src = (
        'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).\n'
        "Notation \"'exists' x .. y , p\" := (ex (fun x => .. (ex (fun y => p)) ..)) (at level 200).\n"
        'Notation "x .. y" := (pair x .. y).\n'
    )
    assert texts(src) == src.splitlines()


def test_two_dots_followed_by_blank_do_not_terminate() -> None:
    assert texts("Check (f x .. y).\nCheck 2.") == ["Check (f x .. y).", "Check 2."]
    assert texts("Check (f x ..\n y).") == ["Check (f x ..\n y)."]


def test_ellipsis_terminator_of_proof_with() -> None:
    src = "Proof with auto.\n  split...\n  - rewrite H...\nQed."
    assert texts(src) == ["Proof with auto.", "split...", "-", "rewrite H...", "Qed."]


def test_long_dot_runs_are_lexed_greedily() -> None:
    # "...." is "..." then "." (ends); "....." is "..." then ".." (does not end).
    assert texts("tac.... tac2.") == ["tac....", "tac2."]
    assert texts("f ..... x. g.") == ["f ..... x.", "g."]


def test_proof_commands_are_ordinary_sentences() -> None:
    src = "Lemma l : True.\nProof.\nexact I.\nQed.\nProof using X Y.\nProof with auto.\nDefined.\n"
    assert texts(src) == src.splitlines()


def test_assorted_commands_and_tactics() -> None:
    lines = [
        "Notation \"x '.+1'\" := (S x) (at level 2).",
        "Ltac t := repeat (match goal with | H : _ |- _ => idtac end).",
        "intros; [ apply H | ].",
        "exact (fun x => x).",
        "Goal ∀ x, x ≤ x.",
        "intros x. apply le_n.",
    ]
    src = "\n".join(lines)
    assert texts(src) == [*lines[:5], "intros x.", "apply le_n."]


# --- comments and strings ------------------------------------------------------------------------


def test_periods_in_comments_and_strings_never_terminate() -> None:
    src = 'Definition s := "a. b. ""c."" d.". (* x. y. *) Check (* inner. *) s.'
    assert texts(src) == ['Definition s := "a. b. ""c."" d.".', "Check (* inner. *) s."]


def test_nested_comments() -> None:
    src = "(* a (* b. *) c. *) Check 1. (* (* *) *)"
    assert texts(src) == ["Check 1."]


def test_strings_inside_comments_are_lexed() -> None:
    assert texts('(* "*)" *) Check 1.') == ["Check 1."]
    assert texts('(* "(*" *) Check 1.') == ["Check 1."]
    assert texts('Check "(*". Check 2.') == ['Check "(*".', "Check 2."]


def test_comment_opener_variants() -> None:
    # "(*)" opens a comment in Coq; "(**)" is an empty comment.
    assert texts("(**) Check 1. (*) x. *) Check 2.") == ["Check 1.", "Check 2."]


def test_strip_comments() -> None:
    assert strip_comments("a (* b (* c *) d *) e") == "a   e"
    assert strip_comments('x "(* not *)" (* "*)" *)y') == 'x "(* not *)"  y'
    assert strip_comments("no comments") == "no comments"
    assert strip_comments("(**)") == " "


# --- sentence-start tokens: bullets and braces -------------------------------------------------


def test_bullets() -> None:
    src = "split.\n- auto.\n- split.\n  + auto.\n  + split.\n    * auto.\n    * auto.\n"
    assert texts(src) == [
        "split.",
        "-",
        "auto.",
        "-",
        "split.",
        "+",
        "auto.",
        "+",
        "split.",
        "*",
        "auto.",
        "*",
        "auto.",
    ]


def test_repeated_bullets_and_bullet_without_space() -> None:
    assert texts("-- auto. +++ auto. ** auto.") == ["--", "auto.", "+++", "auto.", "**", "auto."]
    # Coq's lexer reads the bullet as a run of one character, whatever follows it.
    assert texts("-intros. -+ auto.") == ["-", "intros.", "-", "+", "auto."]


def test_bullet_chars_inside_sentence_are_not_bullets() -> None:
    assert texts("rewrite <- H. Check (1 - 2 * 3 + 4). apply (x * y).") == [
        "rewrite <- H.",
        "Check (1 - 2 * 3 + 4).",
        "apply (x * y).",
    ]


def test_braces() -> None:
    assert texts("split. { auto. } { auto. }") == ["split.", "{", "auto.", "}", "{", "auto.", "}"]
    assert texts("{ { auto. } }") == ["{", "{", "auto.", "}", "}"]
    assert texts("{auto. }") == ["{", "auto.", "}"]
    assert texts("- { auto. }") == ["-", "{", "auto.", "}"]


def test_braces_inside_sentence_are_not_sentences() -> None:
    src = "Definition p := {| x := 1 |}. Check {x : nat | x = 1}. Record r := { f : nat }."
    assert texts(src) == [
        "Definition p := {| x := 1 |}.",
        "Check {x : nat | x = 1}.",
        "Record r := { f : nat }.",
    ]


def test_goal_selectors_with_brace() -> None:
    src = "1:{ auto. } 2: { auto. } [x]: { auto. } all: { auto. } 1-2, 4 : { auto. } !: { auto. }"
    assert [t for t in texts(src) if t not in ("auto.", "}")] == [
        "1:{",
        "2: {",
        "[x]: {",
        "all: {",
        "1-2, 4 : {",
        "!: {",
    ]
    assert texts("2:\n(* c *) {") == ["2:\n(* c *) {"]


def test_goal_selectors_without_brace_are_ordinary_tactics() -> None:
    assert texts("2: exact I. all: auto. [x]: auto.") == ["2: exact I.", "all: auto.", "[x]: auto."]
    assert texts("alll: { auto.") == ["alll: { auto."]


# --- offsets and lines ---------------------------------------------------------------------------


def test_offsets_and_lines() -> None:
    src = "(* header *)\n\nLemma l :\n  ∀ x, x ≤ x.\nProof. (* c *) - intros x.\n  auto.\nQed."
    got = split_sentences(src)
    assert [(s.text, s.line) for s in got] == [
        ("Lemma l :\n  ∀ x, x ≤ x.", 3),
        ("Proof.", 5),
        ("-", 5),
        ("intros x.", 5),
        ("auto.", 6),
        ("Qed.", 7),
    ]
    assert got[0].start == src.index("Lemma") and got[0].end == src.index("\nProof")
    assert got[-1].end == len(src)
    assert_partition(src, got)


def test_sentence_is_frozen_value() -> None:
    s = split_sentences("Check 1.")[0]
    assert s == Sentence(text="Check 1.", start=0, end=8, line=1)
    with pytest.raises(AttributeError):
        s.start = 3  # type: ignore[misc]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("Check 1.\n(* open (* nested *)\nCheck 2.", "unterminated comment starting at line 2"),
        ('Check 1.\n\nCheck "abc.\n', "unterminated string starting at line 3"),
        ('Check 1.\n(* " *)\n', "unterminated string inside a comment starting at line 2"),
        ("Check 1.\nCheck 2", "line 2"),
        ("Check 1.\n\n  Check x.(* no blank after the dot *)", "line 3"),
        ("{auto.}", "line 1"),  # Coq too: "." must be followed by a blank
    ],
)
def test_errors_say_where(source: str, fragment: str) -> None:
    with pytest.raises(SentenceSplitError, match=fragment.replace("(", r"\(")):
        split_sentences(source)


def test_strip_comments_errors() -> None:
    with pytest.raises(SentenceSplitError, match="line 1"):
        strip_comments("(* never closed")


def test_trailing_comment_and_whitespace_are_fine() -> None:
    assert texts("Check 1. (* trailing *)\n\n") == ["Check 1."]
    assert texts("(* only a comment *)") == []


def test_error_is_value_error() -> None:
    assert issubclass(SentenceSplitError, ValueError)


# --- integration: the whole standard library --------------------------------------------------


@pytest.mark.skipif(not _STDLIB_FILES, reason=f"Coq stdlib sources not found under {STDLIB}")
@pytest.mark.parametrize(
    "path", _STDLIB_FILES or [STDLIB], ids=lambda p: str(p.relative_to(STDLIB)) if p != STDLIB else "none"
)
def test_stdlib_file_partitions(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert_partition(source, split_sentences(source))
