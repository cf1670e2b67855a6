"""`CoqEnv` against a real coqidetop: starting, branching, goals, errors, queries, check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prover.envs.base import Env, Goal, ProofFinished, ProofState, TacticError, Theorem, normalize_whitespace
from prover.envs.coq.env import CoqEnv
from prover.errors import EnvInitError, QueryError, StaleStateError
from tests.conftest import needs_coq

pytestmark = needs_coq

ARITH = "Require Import Arith."
ADD_COMM = Theorem("add_comm'", "Theorem add_comm' : forall n m : nat, n + m = m + n.", ARITH)
CONJ3 = Theorem("conj3", "Lemma conj3 : True /\\ (False -> False) /\\ 0 = 0.", ARITH)
FILE_CONTEXT = """Require Import Arith.
Definition double (k : nat) : nat := k + k.
Definition small (k : nat) : Prop := k < 10.
Section Doubling.
Variables (n : nat) (f : nat -> nat).
Hypothesis Hn : small n.
"""
DOUBLE_GE = Theorem("double_ge", "Lemma double_ge : n <= double n.", FILE_CONTEXT)


def goals(result: object) -> list[tuple[tuple[str, ...], str]]:
    assert isinstance(result, ProofState), result
    return [(g.hypotheses, g.conclusion) for g in result.goals]


def pending(result: object) -> list[str]:
    assert isinstance(result, ProofState), result
    return [g.conclusion for g in result.pending]


def state(result: object) -> ProofState:
    assert isinstance(result, ProofState), result
    return result


@pytest.fixture
def env(coq_env: CoqEnv) -> CoqEnv:
    return coq_env


@pytest.fixture
def fresh_env() -> Iterator[CoqEnv]:
    with CoqEnv() as env:
        yield env


# -- start ------------------------------------------------------------------------------------
def test_start_with_header(env: CoqEnv) -> None:
    assert isinstance(env, Env)
    s0 = env.start(ADD_COMM)
    assert goals(s0) == [((), "forall n m : nat, n + m = m + n")]
    assert s0.pending == ()
    assert (s0.depth, s0.tactics) == (0, ())
    assert env.proof_of(s0) == ""
    assert env.pid is not None and "add_comm'" in repr(env)


def test_start_with_file_context(env: CoqEnv) -> None:
    s0 = env.start(DOUBLE_GE)
    assert goals(s0) == [(("n : nat", "f : nat -> nat", "Hn : small n"), "n <= double n")]
    s1 = env.run_tactic(s0, "unfold double.")
    assert goals(s1) == [(("n : nat", "f : nat -> nat", "Hn : small n"), "n <= n + n")]
    done = env.run_tactic(s1, "apply Nat.le_add_r.")
    assert isinstance(done, ProofFinished)
    assert done.tactics == ("unfold double.", "apply Nat.le_add_r.")


def test_file_context_proof_is_accepted_by_check(env: CoqEnv) -> None:
    """A proof found interactively in a file context must pass `check` in the same context.

    The section variables (`n`, `f`, `Hn`) come from the header, not from the candidate, so
    ``Print Assumptions`` listing them is no reason to reject the proof.
    """
    s0 = env.start(DOUBLE_GE)
    done = env.run_tactic(s0, "unfold double. apply Nat.le_add_r.")
    assert isinstance(done, ProofFinished)
    verdict = env.check(DOUBLE_GE, done.proof)
    assert verdict, verdict.reason


def test_start_errors(env: CoqEnv) -> None:
    with pytest.raises(EnvInitError):
        env.start(Theorem("bad", "Lemma bad : undefined_thing = 0."))
    with pytest.raises(EnvInitError):
        env.start(Theorem("other_name", "Lemma t0 : True."))
    with pytest.raises(EnvInitError):
        env.start(Theorem("t0", "Lemma t0 : True.", "Require Import NoSuchLibraryAnywhere."))
    assert goals(env.start(Theorem("t0", "Lemma t0 : True."))) == [((), "True")]  # usable after


# -- branching --------------------------------------------------------------------------------
def test_run_tactic_from_any_earlier_state(env: CoqEnv) -> None:
    s0 = env.start(ADD_COMM)
    s1 = state(env.run_tactic(s0, "intros n m."))
    assert goals(s1) == [(("n, m : nat",), "n + m = m + n")]
    s2 = state(env.run_tactic(s1, "induction n as [|k IH]."))
    assert goals(s2) == [
        (("m : nat",), "0 + m = m + 0"),
        (("k, m : nat", "IH : k + m = m + k"), "S k + m = m + S k"),
    ]
    s3 = state(env.run_tactic(s2, "simpl."))
    assert goals(s3)[0] == (("m : nat",), "m = m + 0")
    # Back to the root: a sibling of s1.
    t1 = state(env.run_tactic(s0, "intros n."))
    assert goals(t1) == [(("n : nat",), "forall m : nat, n + m = m + n")]
    # Back to s1: a sibling of s2.
    t2 = state(env.run_tactic(s1, "destruct m."))
    assert [c for _, c in goals(t2)] == ["n + 0 = 0 + n", "n + S m = S m + n"]
    # Deep again, after the siblings were explored: s3's goals, not the siblings'.
    s4 = state(env.run_tactic(s3, "rewrite <- plus_n_O."))
    assert goals(s4) == [
        (("m : nat",), "m = m"),
        (("k, m : nat", "IH : k + m = m + k"), "S k + m = m + S k"),
    ]
    assert goals(env.run_tactic(s2, "simpl.")) == goals(s3)
    assert env.run_tactic(s2, "simpl.") == s3  # equal states, whatever their ids
    assert len({s0.id, s1.id, s2.id, s3.id, t1.id, t2.id, s4.id}) == 7
    assert (s4.depth, s4.tactics) == (4, ("intros n m.", "induction n as [|k IH].", "simpl.", "rewrite <- plus_n_O."))
    assert env.proof_of(s4) == "intros n m.\ninduction n as [|k IH].\nsimpl.\nrewrite <- plus_n_O."
    assert env.proof_of(t2) == "intros n m.\ndestruct m."
    # A failure on a deep state leaves it usable.
    assert isinstance(env.run_tactic(s4, "exact I."), TacticError)
    done = env.run_tactic(s4, "reflexivity. simpl. rewrite IH. apply plus_n_Sm.")
    assert isinstance(done, ProofFinished)
    assert env.check(ADD_COMM, done.proof)


def test_siblings_interleaved_many_times(env: CoqEnv) -> None:
    s0 = env.start(CONJ3)
    s1 = state(env.run_tactic(s0, "split."))
    s2 = state(env.run_tactic(s1, "2: split."))
    for _ in range(3):
        assert [c for _, c in goals(s2)] == ["True", "False -> False", "0 = 0"]
        assert [c for _, c in goals(env.run_tactic(s0, "split; [exact I|]."))] == ["(False -> False) /\\ 0 = 0"]
        assert [c for _, c in goals(env.run_tactic(s1, "exact I."))] == ["(False -> False) /\\ 0 = 0"]
        assert [c for _, c in goals(env.run_tactic(s2, "3: reflexivity."))] == ["True", "False -> False"]


# -- goals and errors ----------------------------------------------------------------------------
def test_hypotheses_and_conclusion(env: CoqEnv) -> None:
    s0 = env.start(Theorem("hyps", "Lemma hyps : forall (n m : nat) (g : nat -> nat), n <= m -> g n = m -> True.",
                           ARITH))
    s1 = env.run_tactic(s0, "intros n m g Hle Heq.")
    assert goals(s1) == [(("n, m : nat", "g : nat -> nat", "Hle : n <= m", "Heq : g n = m"), "True")]
    assert "Hle : n <= m" in str(s1)


def test_error_carries_message_and_location(env: CoqEnv) -> None:
    s0 = env.start(ADD_COMM)
    s1 = env.run_tactic(s0, "intros n m.")
    error = env.run_tactic(s1, "reflexivity.")
    assert isinstance(error, TacticError)
    assert 'Unable to unify "m + n" with "n + m"' in error.message
    assert error.location == (0, 11)
    tactic = "apply nonexistent_lemma."
    missing = env.run_tactic(s1, tactic)
    assert isinstance(missing, TacticError)
    assert missing.message == "The reference nonexistent_lemma was not found in the current environment."
    assert missing.location is not None
    assert tactic[slice(*missing.location)] == "nonexistent_lemma"
    syntax = env.run_tactic(s1, "intros )(.")
    assert isinstance(syntax, TacticError) and "Syntax error" in syntax.message
    assert goals(env.run_tactic(s1, "idtac.")) == goals(s1)  # the parent is unchanged


def test_error_location_counts_characters_not_bytes(env: CoqEnv) -> None:
    """`TacticError.location` is in characters of the tactic text; Coq reports UTF-8 bytes."""
    s0 = env.start(ADD_COMM)
    tactic = "pose (α := 0); apply nonexistent_lemma."
    error = env.run_tactic(s0, tactic)
    assert isinstance(error, TacticError)
    assert error.location is not None
    assert tactic[slice(*error.location)] == "nonexistent_lemma"


def test_proof_finished_only_when_every_goal_list_is_empty(env: CoqEnv) -> None:
    s0 = env.start(Theorem("tt", "Lemma tt : True /\\ True.", ARITH))
    s1 = env.run_tactic(s0, "split.")
    bullet = env.run_tactic(s1, "-")
    assert goals(bullet) == [((), "True")] and pending(bullet) == ["True"]
    first = env.run_tactic(bullet, "exact I.")
    assert isinstance(first, ProofState), "a bullet-focused state with background goals is not finished"
    assert first.goals == () and pending(first) == ["True"]
    assert str(first) == "(no focused goals; 1 pending)"
    shelved = env.run_tactic(s1, "shelve.")
    assert goals(shelved) == [((), "True")] and pending(shelved) == ["True"]
    only_shelved = env.run_tactic(shelved, "exact I.")
    assert isinstance(only_shelved, ProofState) and only_shelved.goals == ()
    assert pending(only_shelved) == ["True"]
    assert isinstance(env.run_tactic(only_shelved, "Unshelve. exact I."), ProofFinished)
    second = env.run_tactic(first, "- exact I.")
    assert isinstance(second, ProofFinished)
    assert second.tactics == ("split.", "-", "exact I.", "- exact I.")


def test_given_up_goals_are_refused_even_without_the_word_admit(env: CoqEnv) -> None:
    """The screen sees no `admit` in `cheat.`, but Coq's given-up list does."""
    theorem = Theorem("cheated", "Lemma cheated : 1 = 2.", "Ltac cheat := admit.")
    s0 = env.start(theorem)
    result = env.run_tactic(s0, "cheat.")
    assert isinstance(result, TacticError) and "gave up" in result.message
    assert goals(env.run_tactic(s0, "idtac.")) == [((), "1 = 2")]
    assert not env.check(theorem, "cheat. Qed.")


# -- structure: bullets, braces, Focus, selectors -------------------------------------------------
def test_bullets(env: CoqEnv) -> None:
    s0 = env.start(CONJ3)
    s = env.run_tactic(s0, "split.")
    s = env.run_tactic(s, "-")
    s = env.run_tactic(s, "exact I.")
    s = env.run_tactic(s, "- split.")
    assert goals(s) == [((), "False -> False"), ((), "0 = 0")]
    assert isinstance(env.run_tactic(s, "- exact I."), TacticError)  # wrong bullet level
    s = env.run_tactic(s, "+ intro H; exact H.")
    assert goals(s) == [] and pending(s) == ["0 = 0"]
    s = env.run_tactic(s, "+")
    assert goals(s) == [((), "0 = 0")]
    done = env.run_tactic(s, "reflexivity.")
    assert isinstance(done, ProofFinished)
    assert env.check(CONJ3, done.proof)
    star = env.run_tactic(s0, "split. * exact I. * split; [intro H; exact H | reflexivity].")
    assert isinstance(star, ProofFinished)
    unfinished = env.run_tactic(env.run_tactic(s0, "split. - idtac."), "-")
    assert isinstance(unfinished, TacticError) and "bullet" in unfinished.message.lower()


def test_braces_and_selectors(env: CoqEnv) -> None:
    s0 = env.start(CONJ3)
    s1 = state(env.run_tactic(s0, "split; [|split]."))
    assert len(s1.goals) == 3
    brace = env.run_tactic(s1, "{")
    assert goals(brace) == [((), "True")] and len(state(brace).pending) == 2
    inside = env.run_tactic(brace, "exact I.")
    assert goals(inside) == [] and len(state(inside).pending) == 2
    closed = env.run_tactic(inside, "}")
    assert [c for _, c in goals(closed)] == ["False -> False", "0 = 0"]
    second = env.run_tactic(s1, "2: {")
    assert goals(second) == [((), "False -> False")]
    assert sorted(pending(second)) == ["0 = 0", "True"]
    selected = env.run_tactic(s1, "3: reflexivity.")
    assert [c for _, c in goals(selected)] == ["True", "False -> False"]
    ranged = env.run_tactic(s1, "1-2: intros.")
    assert goals(ranged)[1] == (("H : False",), "False")
    done = env.run_tactic(s1, "all: try exact I; try reflexivity; try (intro H; exact H).")
    assert isinstance(done, ProofFinished)
    no_goal = env.run_tactic(s1, "4: exact I.")
    assert isinstance(no_goal, TacticError) and "No such goal" in no_goal.message
    unmatched = env.run_tactic(s1, "}")
    assert isinstance(unmatched, TacticError)


def test_focus_and_unfocus(env: CoqEnv) -> None:
    """Coq 8.16 still has the deprecated `Focus`/`Unfocus` commands."""
    s0 = env.start(CONJ3)
    s1 = env.run_tactic(s0, "split.")
    focused = env.run_tactic(s1, "Focus 2.")
    assert goals(focused) == [((), "(False -> False) /\\ 0 = 0")]
    assert pending(focused) == ["True"]
    inside = env.run_tactic(focused, "split.")
    assert goals(inside) == [((), "False -> False"), ((), "0 = 0")] and pending(inside) == ["True"]
    unfocused = env.run_tactic(inside, "Unfocus.")
    assert [c for _, c in goals(unfocused)] == ["True", "False -> False", "0 = 0"]
    assert pending(unfocused) == []
    solved = env.run_tactic(focused, "split; [intro H; exact H | reflexivity].")
    assert goals(solved) == [((), "True")] and pending(solved) == []  # Focus ends once solved
    assert isinstance(env.run_tactic(solved, "exact I."), ProofFinished)
    error = env.run_tactic(s1, "Unfocus.")
    assert isinstance(error, TacticError) and error.message == "The proof is not focused"
    too_far = env.run_tactic(s1, "Focus 3.")
    assert isinstance(too_far, TacticError) and "No such goal" in too_far.message


# -- text of tactics ----------------------------------------------------------------------------
def test_unicode_notation_and_tactics(env: CoqEnv) -> None:
    theorem = Theorem("le_succ_u", "Lemma le_succ_u : ∀ n : nat, n ≤ n + 1 ∧ True.", "Require Import Arith Utf8.")
    s0 = env.start(theorem)
    assert goals(s0) == [((), "∀ n : nat, n ≤ n + 1 ∧ True")]
    s1 = env.run_tactic(s0, "intros α.")
    assert goals(s1) == [(("α : nat",), "α ≤ α + 1 ∧ True")]
    s2 = env.run_tactic(s1, "assert (hα : α ≤ α + 1) by apply Nat.le_add_r.")
    assert goals(s2) == [(("α : nat", "hα : α ≤ α + 1"), "α ≤ α + 1 ∧ True")]
    done = env.run_tactic(s2, "exact (conj hα I).")
    assert isinstance(done, ProofFinished)
    assert env.check(theorem, done.proof)


def test_xml_special_characters_in_tactics(env: CoqEnv) -> None:
    theorem = Theorem("andb_true_r'", "Lemma andb_true_r' : forall b : bool, (b && true)%bool = b.", ARITH)
    s0 = env.start(theorem)
    assert goals(s0) == [((), "forall b : bool, (b && true)%bool = b")]
    s1 = env.run_tactic(s0, "assert (1 < 2 /\\ True) by (split; auto).")
    assert goals(s1)[0][0] == ("H : 1 < 2 /\\ True",)
    s2 = env.run_tactic(s1, "assert (Hb : (true && false)%bool = false) by reflexivity.")
    assert goals(s2)[0][0] == ("H : 1 < 2 /\\ True", "Hb : (true && false)%bool = false")
    s3 = env.run_tactic(s2, "assert (3 > 2 /\\ 2 <> 3) by (split; [auto | discriminate]).")
    assert goals(s3)[0][0][-1] == "H0 : 3 > 2 /\\ 2 <> 3"
    quoted = env.run_tactic(s3, 'idtac "<&>" "a ]]> b".')
    assert goals(quoted) == goals(s3)
    done = env.run_tactic(s3, "intros b; destruct b; reflexivity.")
    assert isinstance(done, ProofFinished)
    assert env.check(theorem, done.proof)


def test_multi_sentence_tactics_and_missing_period(env: CoqEnv) -> None:
    """A missing final period is added; the recorded tactics must still form a valid script."""
    s0 = env.start(ADD_COMM)
    two = env.run_tactic(s0, "intros n m.\n  induction n.")
    assert len(goals(two)) == 2
    (recorded,) = state(two).tactics  # one tactic, however many sentences
    assert normalize_whitespace(recorded) == "intros n m. induction n." and state(two).depth == 1
    no_period = env.run_tactic(s0, "intros n m")
    assert goals(no_period) == [(("n, m : nat",), "n + m = m + n")]
    last_no_period = env.run_tactic(s0, "intros n. intros m")
    assert goals(last_no_period) == goals(no_period)
    with_comment = env.run_tactic(s0, "(* first *) intros n m. (* the end *)")
    assert goals(with_comment) == goals(no_period)
    failing_second = env.run_tactic(s0, "intros n m. exact I.")
    assert isinstance(failing_second, TacticError)
    assert goals(env.run_tactic(s0, "idtac.")) == goals(s0)  # nothing of the failed string stuck
    empty = env.run_tactic(s0, "   ")
    assert isinstance(empty, TacticError)
    done = env.run_tactic(no_period, "apply Nat.add_comm")
    assert isinstance(done, ProofFinished)
    assert [t.rstrip(".") for t in done.tactics] == ["intros n m", "apply Nat.add_comm"]


def test_tactics_without_final_period_replay_through_check(env: CoqEnv) -> None:
    """`ProofFinished.proof` is a script `check` accepts, even when a tactic lacked its period."""
    s0 = env.start(ADD_COMM)
    done = env.run_tactic(state(env.run_tactic(s0, "intros n m")), "apply Nat.add_comm")
    assert isinstance(done, ProofFinished)
    verdict = env.check(ADD_COMM, done.proof)
    assert verdict, verdict.reason
    s0 = env.start(ADD_COMM)
    done = s0
    for tactic in ("intros n m. induction n as [|k IH]", "- simpl. rewrite <- plus_n_O. reflexivity", "- simpl",
                   "rewrite IH. apply plus_n_Sm"):
        done = env.run_tactic(state(done), tactic)
    assert isinstance(done, ProofFinished)
    verdict = env.check(ADD_COMM, done.proof)
    assert verdict, verdict.reason


@pytest.mark.parametrize(
    "tactic",
    ["admit.", "give_up.", "split; [admit|].", "Qed.", "Defined.", "Admitted.", "Abort.",
     "Lemma other : True.", "Axiom cheat : False.", "Require Import List."],
)
def test_proof_escapes_are_refused(env: CoqEnv, tactic: str) -> None:
    s0 = env.start(CONJ3)
    result = env.run_tactic(s0, tactic)
    assert isinstance(result, TacticError), result
    assert goals(env.run_tactic(s0, "idtac.")) == goals(s0)


@pytest.mark.parametrize(
    "tactic",
    ['idtac "a\x00b".', 'idtac "\ud800".'],
    ids=["nul", "lone-surrogate"],
)
def test_text_xml_cannot_carry_is_a_tactic_error(env: CoqEnv, tactic: str) -> None:
    """Characters that XML 1.0 cannot carry (model output may contain them) are the tactic's
    fault: a TacticError, not a ProtocolError/UnicodeEncodeError and a killed coqidetop."""
    s0 = env.start(CONJ3)
    restarts = env.restarts
    result = env.run_tactic(s0, tactic)
    assert isinstance(result, TacticError), result
    assert env.restarts == restarts
    assert goals(env.run_tactic(s0, "idtac.")) == goals(s0)


def test_other_control_characters_reach_coq(env: CoqEnv) -> None:
    """The standard library's String.v has a BEL inside a string: it must replay."""
    s0 = env.start(CONJ3)
    result = env.run_tactic(s0, 'idtac "a\x01b\x07".')
    assert goals(result) == goals(s0)


# -- queries ------------------------------------------------------------------------------------
def test_queries(env: CoqEnv) -> None:
    s0 = env.start(ADD_COMM)
    assert env.query("Check Nat.add_comm.") == "Nat.add_comm\n     : forall n m : nat, n + m = m + n"
    assert "Nat.add_comm: forall n m : nat, n + m = m + n" in env.query("Search (_ + _ = _ + _).")
    assert "Nat.add_comm is opaque" in env.query("About Nat.add_comm.")
    assert "Constant Coq.Arith.PeanoNat.Nat.add_comm" in env.query("Locate Nat.add_comm.")
    printed = env.query("Print Nat.add")
    assert printed.startswith("Nat.add =") and "fix add (n m : nat) {struct n} : nat :=" in printed
    s1 = env.run_tactic(s0, "intros n m.")
    assert env.query("Check n.", state=state(s1)) == "n\n     : nat"
    with pytest.raises(QueryError, match="was not found"):
        env.query("Check nonexistent_name.")
    with pytest.raises(QueryError):
        env.query("Check (.")
    assert goals(env.run_tactic(s1, "idtac.")) == goals(s1)  # queries leave the proof alone


# -- stale states, proof_of, check ----------------------------------------------------------------
def test_states_of_a_previous_start_are_stale(env: CoqEnv) -> None:
    old = env.start(ADD_COMM)
    old1 = state(env.run_tactic(old, "intros n m."))
    env.start(CONJ3)
    for stale in (old, old1, ProofState(goals=old.goals, id=10**9)):
        with pytest.raises(StaleStateError):
            env.run_tactic(stale, "idtac.")
        with pytest.raises(StaleStateError):
            env.proof_of(stale)
        with pytest.raises(StaleStateError):
            env.query("Check I.", state=stale)
    restarted = env.start(ADD_COMM)
    with pytest.raises(StaleStateError):
        env.run_tactic(old1, "idtac.")
    assert goals(env.run_tactic(restarted, "intros n m.")) == goals(old1)


def test_proof_of_and_replay_through_check(env: CoqEnv) -> None:
    s0 = env.start(ADD_COMM)
    done = s0
    for tactic in ("intros n m.", "induction n as [|k IH].", "- simpl. rewrite <- plus_n_O. reflexivity.",
                   "- simpl.", "rewrite IH. apply plus_n_Sm."):
        done = env.run_tactic(state(done), tactic)
    assert isinstance(done, ProofFinished)
    assert env.proof_of(done) == done.proof
    assert done.depth == 5 and len(done.tactics) == 5
    verdict = env.check(ADD_COMM, done.proof)
    assert verdict.accepted and verdict.reason == "accepted" and verdict.axioms == ()
    assert env.check(ADD_COMM, done.proof + "\nQed.")
    assert not env.check(ADD_COMM, "\n".join(done.tactics[:-1]))
    # check runs apart from the interactive proof, which is still open.
    assert isinstance(env.run_tactic(s0, "intros n m."), ProofState)


# -- reuse ----------------------------------------------------------------------------------------
def test_second_theorem_same_header_reuses_the_process(fresh_env: CoqEnv) -> None:
    env = fresh_env
    first = env.start(ADD_COMM)
    pid = env.pid
    assert isinstance(env.run_tactic(first, "intros n m. apply Nat.add_comm."), ProofFinished)
    second = Theorem("mul_comm'", "Theorem mul_comm' : forall n m : nat, n * m = m * n.", ARITH)
    s0 = env.start(second)
    assert env.pid == pid
    assert goals(s0) == [((), "forall n m : nat, n * m = m * n")]
    assert isinstance(env.run_tactic(s0, "intros n m. apply Nat.mul_comm."), ProofFinished)
    # A different header in the same env: the old one's definitions are gone.
    third = Theorem("uses_def", "Lemma uses_def : three = 3.", "Definition three := 3.")
    s0 = env.start(third)
    assert goals(s0) == [((), "three = 3")]
    assert isinstance(env.run_tactic(s0, "reflexivity."), ProofFinished)
    with pytest.raises(QueryError):
        env.query("Check Nat.add_comm.")  # Arith is not loaded under this header
    assert env.pid == pid and env.restarts == 0
    # And back to the first header.
    s0 = env.start(ADD_COMM)
    with pytest.raises(QueryError):
        env.query("Check three.")
    assert isinstance(env.run_tactic(s0, "intros n m. apply Nat.add_comm."), ProofFinished)
    assert env.check(second, "intros n m. apply Nat.mul_comm. Qed.")
    assert env.check(third, "reflexivity.")


def test_goal_type_is_hashable_and_shared(env: CoqEnv) -> None:
    s0 = env.start(CONJ3)
    a = state(env.run_tactic(s0, "split."))
    b = state(env.run_tactic(s0, "constructor."))
    assert a == b and a.fingerprint == b.fingerprint and a.id != b.id
    assert len({a, b, s0}) == 2
    assert all(isinstance(g, Goal) for g in a.goals)
