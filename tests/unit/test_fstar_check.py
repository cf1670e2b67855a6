"""Screening F* candidates: what never passes, whatever F* would say."""

from __future__ import annotations

import pytest

from prover.envs.fstar.check import options_pragma, screen_candidate, strip_comments_and_strings

GOOD = "let rec sum_lemma (n:nat) : Lemma (ensures sum n == n * (n + 1) / 2) =\n  if n = 0 then () else sum_lemma (n - 1)"


def test_a_plain_definition_passes_screening() -> None:
    assert screen_candidate(GOOD, "sum_lemma") is None
    assert screen_candidate(GOOD, "Demo.Module.sum_lemma") is None
    assert screen_candidate("[@@\"opaque_to_smt\"]\nlet f x = x + 1", "f") is None
    assert screen_candidate("let g x = x\nand f x = g x", "f") is None  # mutual recursion
    assert screen_candidate("let f (x : int) = x ( * ) 2", "f") is None  # (*) is an operator, not a comment


@pytest.mark.parametrize(("proof", "why"), [
    ("let f () : Lemma False = admit ()", "`admit`"),
    ("let f () : Lemma False = assume False", "`assume`"),
    ("assume val f : unit -> Lemma False", "`assume`"),
    ("let f () : Lemma False = FStar.Pervasives.admit ()", "`admit`"),
    ("let f () : Lemma False = magic ()", "`magic`"),
    ("let f () : Lemma False = assert False by (tadmit ())", "`tadmit`"),
    ("[@@expect_failure]\nlet f () : Lemma False = ()", "`expect_failure`"),
    ('#push-options "--admit_smt_queries true"\nlet f () : Lemma False = ()', "`#push-options`"),
    ('#set-options "--z3rlimit 5000"\nlet f () : Lemma False = ()', "`#set-options`"),
    ('#reset-options\nlet f () : Lemma False = ()', "`#reset-options`"),
    ("val helper : unit -> Lemma False\nlet f () : Lemma False = helper ()", "may not declare a `val`"),
    ("let f_other () : Lemma False = ()", "does not define `f`"),
    ("let ff () = ()", "does not define `f`"),
    ("(* let f () = () *)", "the proof is empty"),
    ("  \n", "the proof is empty"),
    ("%splice[f] (gen ())", "`splice`"),
    ("friend Other\nlet f () = ()", "`friend`"),
])
def test_cheats_are_refused(proof: str, why: str) -> None:
    reason = screen_candidate(proof, "f")
    assert reason is not None and why in reason, reason


def test_words_inside_comments_and_strings_do_not_count() -> None:
    proof = 'let f () : unit =\n  (* no admit here (* nested assume *) *)\n  // magic\n  let _ = "admit" in ()'
    assert screen_candidate(proof, "f") is None
    assert "admit" not in strip_comments_and_strings(proof)
    assert strip_comments_and_strings("a\n(* x\ny *)\nb").count("\n") == 3  # line starts are kept


def test_options_pragma() -> None:
    assert options_pragma(()) == ""
    assert options_pragma((("z3rlimit", "20"), ("fuel", "1"), ("z3refresh", ""))) == \
        '#push-options "--z3rlimit 20 --fuel 1 --z3refresh"'
