"""The Lean checker's screen, candidate parsing and judgements (on recorded replies where they exist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prover.envs.base import Theorem
from prover.envs.lean.check import (
    DEFAULT_AXIOMS,
    Body,
    code_only,
    judge_axioms,
    judge_compiled,
    parse_candidate,
    screen,
    statement_head,
)
from prover.envs.lean.codec import CommandReply, ErrorReply, Message, decode

THM = Theorem(name="add_zero'", statement="theorem add_zero' (n : Nat) : n + 0 = n :=", header="import Mathlib",
              backend="lean")

CHEATS = (
    "sorry",
    "by sorry",
    "by\n  exact sorry",
    "by admit",
    ":= sorryAx _ false",
    "by exact (sorryAx _)",
    "by\n  simp\n\naxiom cheat : False",
    "by exact cheat\naxiom cheat : ∀ n : Nat, n + 0 = n",
    "set_option debug.skipKernelTC true in\nby simp",
    "by\n  set_option debug.skipKernelTC true in simp",
    "by simp\n#exit",
    "by simp\n#eval IO.FS.writeFile \"/tmp/x\" \"\"",
    "by run_tac Lean.Elab.Tactic.closeMainGoal (Lean.mkConst ``True.intro)",
    "by\n  simp\n\nrun_cmd Lean.modifyEnv id",
    "by\n  simp\n\nelab \"cheat\" : tactic => pure ()",
    "by\n  simp\n\nmacro \"cheat\" : tactic => `(tactic| sorry)",
    "by\n  simp\n\nnotation \"ℕ\" => Bool",
    "by simp\n\n@[implemented_by foo] def bar : Nat := 1",
    "by simp\n\n@[extern \"c\"] opaque baz : Nat",
    "by simp\nunsafe def u : Nat := 1",
    "by simp\n\ntheorem other : False := by simp",
    "by simp\nend",
    "by simp\nnamespace X",
    "by simp\nimport Mathlib",
    "by simp /- unclosed comment",
    "theorem add_zero' (n : Nat) : n + 1 = n := by simp",
    "lemma add_zero' (n : Nat) : n = n := by rfl",
)
HONEST = (
    "simp",
    "by simp",
    "by\n  induction n with\n  | zero => rfl\n  | succ n ih => simp",
    ":= Nat.add_zero n",
    "theorem add_zero' (n : Nat) : n + 0 = n := by simp",
    "import Mathlib\n\ntheorem add_zero'  (n : Nat) :\n  n + 0 = n := Nat.add_zero n",
    "by simp -- sorry, no axiom here; #exit in a comment\n",
    'by\n  have s : String := "sorry axiom #exit"\n  simp',
    "by\n  open Nat in simp [add_zero]\n  /- a /- nested -/ comment about sorry -/",
    "by exact infer_instance.elim",
)


@pytest.mark.parametrize("cheat", CHEATS)
def test_cheats_are_refused_before_running(cheat: str) -> None:
    assert isinstance(parse_candidate(THM, cheat), str), cheat


@pytest.mark.parametrize("proof", HONEST)
def test_honest_proofs_pass_the_screen(proof: str) -> None:
    assert isinstance(parse_candidate(THM, proof), Body), proof


def test_tactic_scripts_are_wrapped_in_by() -> None:
    body = parse_candidate(THM, "intro x\nsimp")
    assert body == Body("by\n  intro x\n  simp")
    assert parse_candidate(THM, ":= Nat.add_zero n") == Body("Nat.add_zero n")
    assert parse_candidate(THM, "  ") == "the proof is empty"


def test_statement_head() -> None:
    assert statement_head("theorem t : True := by sorry") == "theorem t : True"
    assert statement_head("theorem t : True :=") == "theorem t : True"
    assert statement_head("theorem t (x : Nat := 0) : True") == "theorem t (x : Nat := 0) : True"


def test_code_only_strips_nested_comments_and_strings() -> None:
    assert "sorry" not in code_only('/- a /- sorry -/ b -/ "sorry" -- sorry\nx')
    assert screen("exact foo'") is None and screen("exact h.end_pos") is None


def replies(path: Path) -> list[str]:
    return [c for c in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if c.strip()]


def test_judge_compiled_on_recorded_replies(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    assert judge_compiled(decode(replies(folder / "incomplete.expected.out")[0])) == "error: unsolved goals\n⊢ Nat"
    assert judge_compiled(decode(replies(folder / "proof_branching.expected.out")[0])) == "the proof uses sorry"
    assert judge_compiled(decode(replies(folder / "pickle_environment.expected.out")[3])) is None
    assert "Unknown environment" in (judge_compiled(decode(replies(folder / "unknown_environment.expected.out")[0]))
                                     or "")


def test_sorry_warning_alone_rejects() -> None:
    warned = CommandReply(env=3, messages=(Message("warning", "declaration uses 'sorry'"),))
    assert judge_compiled(warned) == "the proof uses sorry"


def info(text: str) -> CommandReply:
    return CommandReply(env=4, messages=(Message("info", text),))


def test_judge_axioms() -> None:
    ok = info("'add_zero'' depends on axioms: [propext, Classical.choice, Quot.sound]")
    assert judge_axioms(ok, "add_zero'", DEFAULT_AXIOMS) == ("accepted", ("propext", "Classical.choice", "Quot.sound"))
    assert judge_axioms(info("'Foo.t' does not depend on any axioms"), "t", DEFAULT_AXIOMS) == ("accepted", ())
    reason, _ = judge_axioms(info("'t' depends on axioms: [sorryAx]"), "t", DEFAULT_AXIOMS)
    assert "sorry" in reason
    reason, _ = judge_axioms(info("'t' depends on axioms: [propext, Lean.ofReduceBool]"), "t", DEFAULT_AXIOMS)
    assert "Lean.ofReduceBool" in reason
    reason, _ = judge_axioms(info("'t' depends on axioms: [cheat]"), "t", DEFAULT_AXIOMS)
    assert "cheat" in reason
    assert judge_axioms(info("'t' depends on axioms: [cheat]"), "t", ("cheat",))[0] == "accepted"
    assert "not 't'" in judge_axioms(info("'other' does not depend on any axioms"), "t", DEFAULT_AXIOMS)[0]
    assert "unrecognised" in judge_axioms(info("something else"), "t", DEFAULT_AXIOMS)[0]
    two = CommandReply(env=4, messages=(Message("info", "'t' does not depend on any axioms"),
                                        Message("info", "'t' depends on axioms: [cheat]")))
    assert "unrecognised" in judge_axioms(two, "t", DEFAULT_AXIOMS)[0]
    assert "failed" in judge_axioms(ErrorReply("Unknown environment."), "t", DEFAULT_AXIOMS)[0]
