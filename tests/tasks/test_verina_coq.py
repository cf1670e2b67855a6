"""The Coq task set end to end through a real coqidetop: reference solutions pass; seeded wrong
code, wrong specs (too weak, too strong) and cheating proofs fail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.limits import Limits
from prover.envs.open import open_env
from prover.tasks.verina import Evaluator, Outcome, Solution, VerinaTask, backend_for, load_task, load_tasks

COQ_SET = Path(__file__).resolve().parents[2] / "datasets" / "verina-coq"
TASKS = load_tasks(COQ_SET)


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    if shutil.which("coqidetop.opt") is None and shutil.which("coqidetop") is None:
        pytest.skip("coqidetop is not installed (Debian package `coq`; `make test` installs it)")
    with open_env("coq", Limits(startup_seconds=20, proof_seconds=15)) as env:
        yield Evaluator(env, backend_for("coq"))


def task(name: str) -> VerinaTask:
    return load_task(COQ_SET / name)


@pytest.mark.parametrize("item", TASKS, ids=[t.id for t in TASKS])
def test_reference_solution_passes_everything(evaluator: Evaluator, item: VerinaTask) -> None:
    result = evaluator.evaluate(item)
    assert result.code_passed, result.code
    assert result.spec.passed, result.spec
    assert result.proof.accepted, result.proof
    assert result.passed


def test_wrong_code_fails_its_tests_and_its_proof(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(code="x"))
    assert not result.code_passed
    assert [c.outcome for c in result.code.checks] == [Outcome.PASS, Outcome.FAIL, Outcome.PASS]
    assert result.spec.passed  # the reference spec is untouched
    assert not result.proof.accepted


def test_code_off_by_one_on_lists(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("count_positive"), Solution(code="length (filter (fun x => 0 <=? x) l)"))
    assert result.code.outcome is Outcome.FAIL
    assert not result.passed


def test_code_that_does_not_compile(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(code="x + true"))
    assert not result.code.compiles and "does not compile" in result.code.error
    assert not result.proof.accepted


def test_too_weak_postcondition_fails_soundness(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(postcond="0 <= result"))
    spec = result.spec
    assert spec.postcond_complete.outcome is Outcome.PASS
    assert spec.postcond_sound.outcome is Outcome.FAIL
    assert not spec.passed


def test_too_strong_postcondition_fails_completeness(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(postcond="result = x"))
    assert result.spec.postcond_complete.outcome is Outcome.FAIL
    assert not result.spec.passed and not result.proof.accepted


def test_too_weak_precondition_fails_completeness(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("safe_divide"), Solution(precond="True"))
    spec = result.spec
    assert spec.precond_sound.outcome is Outcome.PASS
    assert spec.precond_complete.outcome is Outcome.FAIL
    assert not spec.passed
    assert not result.proof.accepted  # the postcondition cannot hold for b = 0


def test_too_strong_precondition_fails_soundness(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("safe_divide"), Solution(precond="b > 0 /\\ a > 0"))
    assert result.spec.precond_sound.outcome is Outcome.FAIL
    assert result.spec.precond_complete.outcome is Outcome.PASS
    assert result.proof.accepted  # a stronger precondition is still provable: the spec checks catch it


def test_list_spec_that_accepts_a_wrong_output(evaluator: Evaluator) -> None:
    # Only the length: wrong lists of the right length get through.
    result = evaluator.evaluate(task("reverse_list"), Solution(postcond="length result = length l"))
    assert result.spec.postcond_sound.outcome is Outcome.FAIL


@pytest.mark.parametrize("cheat", [
    Solution(proof="admit."),
    Solution(proof="Admitted."),
    Solution(proof="give_up."),
    Solution(proof="exact cheat.", proof_aux="Axiom cheat : forall x, absValue_postcond x (absValue x)."),
    Solution(proof="apply cheat.", proof_aux="Lemma cheat : forall x, absValue_postcond x (absValue x).\nProof.\nAdmitted."),
    Solution(proof="Abort.\nTheorem absValue_postcond_satisfied : True.\nexact I."),
    Solution(proof="exact (False_rect _ bad).", code_aux="Parameter bad : False."),
    Solution(proof="Unset Guard Checking. exact I."),
    Solution(proof="intros. Qed. Definition x := 0."),
])
def test_cheating_proofs_fail(evaluator: Evaluator, cheat: Solution) -> None:
    result = evaluator.evaluate(task("abs_value"), cheat)
    assert not result.proof.accepted, result.proof
    assert not result.passed


def test_code_that_smuggles_an_axiom_into_the_header_is_refused(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(code="x.\nAxiom cheat : False.\nDefinition y := 0"))
    assert not result.code.compiles and result.code.error.startswith("refused")
    assert not result.proof.accepted and result.proof.reason.startswith("refused")


def test_proof_of_the_spec_with_a_different_statement_is_rejected(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(task("abs_value"), Solution(
        proof="Theorem absValue_postcond_satisfied (x : Z) : True.\nProof. exact I. Qed."))
    assert not result.proof.accepted and "different statement" in result.proof.reason


def test_slow_code_is_bounded(evaluator: Evaluator) -> None:
    # 2^60 steps on the non-negative test inputs: those tests run out of time (unknown, so the
    # code does not pass) instead of hanging the harness; the negative input still passes.
    slow = Solution(
        code_aux="Fixpoint slow (n : nat) (acc : Z) : Z := match n with O => acc | S k => slow k (slow k acc) end.",
        code="if x <? 0 then - x else slow 60 x")
    with open_env("coq", Limits(startup_seconds=20, proof_seconds=2)) as env:
        result = Evaluator(env, backend_for("coq")).evaluate(task("abs_value"), slow)
    assert [c.outcome for c in result.code.checks] == [Outcome.UNKNOWN, Outcome.PASS, Outcome.UNKNOWN]
    assert "budget" in result.code.checks[0].reason or "timed out" in result.code.checks[0].reason
    assert not result.code_passed
    assert result.seconds < 60


def test_memory_bomb_in_the_header_is_a_compile_failure() -> None:
    # Evaluated while the header loads: the memory cap or the startup budget stops it.
    bomb = Solution(code_aux="Definition big := Eval vm_compute in (length (repeat 0%nat 400000000)).")
    limits = Limits(startup_seconds=8, proof_seconds=5, memory_bytes=1024**3)
    with open_env("coq", limits) as env:
        result = Evaluator(env, backend_for("coq")).evaluate(task("abs_value"), bomb)
    assert not result.code.compiles and "does not compile" in result.code.error
    assert not result.proof.accepted
    assert result.spec.passed  # the spec's header does not include the code
