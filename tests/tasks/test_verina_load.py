"""Verina loading, candidate screening and pass@k: pure, no prover needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.errors import ConfigError
from prover.tasks.verina import (
    SampleOutcome,
    Solution,
    load_candidates,
    load_task,
    load_tasks,
    parse_sections,
    pass_at_k,
    pass_at_ks,
)
from prover.tasks.verina.coq import CoqVerina
from prover.tasks.verina.lean import LeanVerina

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples" / "verina"
FIXTURE = ROOT / "tests" / "fixtures" / "verina" / "prover_max_of_list"
COQ_SET = ROOT / "datasets" / "verina-coq"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} is absent (Verina's own samples live beside the project, not in it)")
    return SAMPLES


def test_loads_verinas_own_task_folders(samples: Path) -> None:
    tasks = {t.id: t for t in load_tasks(samples)}
    assert set(tasks) == {"verina_advanced_1", "verina_basic_1", "verina_basic_2"}
    basic = tasks["verina_basic_1"]
    assert basic.backend == "lean"
    assert basic.signature.name == "hasOppositeSign"
    assert [(p.name, p.type) for p in basic.signature.parameters] == [("a", "Int"), ("b", "Int")]
    assert basic.reference.code.strip() == "a * b < 0"
    assert basic.reference.imports.strip() == "import Mathlib"
    assert len(basic.tests) == 11 and basic.tests[0].inputs == (("a", -5), ("b", 10))
    assert basic.tests[0].expected is True and basic.tests[0].unexpected == (False,)
    advanced = tasks["verina_advanced_1"]
    assert "def filterlist" in advanced.reference.solution_aux
    assert advanced.reference.proof.strip() == "sorry"
    assert [r.inputs for r in advanced.reject_inputs] == [(("nums", "[2, 2]"),), (("nums", "[2, 2, 3, 3]"),)]
    assert "Lean 4 function" in advanced.description


def test_lean_rendering_of_a_sample_follows_verinas_template(samples: Path) -> None:
    task = load_task(samples / "verina_basic_1")
    lean = LeanVerina()
    header = lean.header(task, task.reference, code=True, postcond=True, proof=False)
    assert header.startswith("import Mathlib\n")
    assert "def hasOppositeSign (a : Int) (b : Int) (h_precond : hasOppositeSign_precond (a) (b)) : Bool" in header
    claim = lean.code_claim(task, task.tests[0].inputs, task.tests[0].expected)
    assert claim == "∀ h_precond : hasOppositeSign_precond (-5) (10), hasOppositeSign (-5) (10) h_precond = true"
    theorem = lean.proof_theorem(task, header)
    assert theorem.statement.startswith("theorem hasOppositeSign_postcond_satisfied (a: Int) (b: Int)")
    assert lean.screen(task, Solution(proof="  simp\n  sorry")) == "proof: 'sorry' is not allowed in a proof"


def test_loads_the_projects_lean_sample() -> None:
    task = load_task(FIXTURE)
    assert task.id == "prover_max_of_list" and task.backend == "lean"
    assert task.reference.precond.strip() == "xs ≠ []"
    assert "maxOfListAux_spec" in task.reference.proof_aux
    assert len(task.tests) == 3 and len(task.reject_inputs) == 1


def test_coq_task_set_has_twenty_complete_tasks() -> None:
    tasks = load_tasks(COQ_SET)
    assert len(tasks) >= 20
    for task in tasks:
        assert task.backend == "coq" and task.description and task.tests
        assert task.reference.code.strip() and task.reference.postcond.strip() and task.reference.proof.strip()
        assert all(t.unexpected for t in task.tests), task.id
    assert sum(bool(t.reject_inputs) for t in tasks) >= 5


def _folder(tmp_path: Path, lean: str, tests: object, rejects: object = ()) -> Path:
    (tmp_path / "task.json").write_text(json.dumps({
        "id": "t", "signature": {"name": "f", "parameters": [{"param_name": "x", "param_type": "Nat"}],
                                  "return_type": "Nat"}}))
    (tmp_path / "task.lean").write_text(lean)
    (tmp_path / "test.json").write_text(json.dumps(tests))
    (tmp_path / "reject_inputs.json").write_text(json.dumps(list(rejects)))
    return tmp_path


GOOD_LEAN = "-- !benchmark @start code\n  x + 1\n-- !benchmark @end code\n"


@pytest.mark.parametrize(("lean", "tests", "message"), [
    ("-- !benchmark @start code\n  x\n", [], "never closed"),
    ("-- !benchmark @start code\n-- !benchmark @end proof\n", [], "does not close"),
    ("-- !benchmark @start code\n-- !benchmark @start proof\n", [], "starts inside"),
    ("-- !benchmark @start oops\n-- !benchmark @end oops\n", [], "unknown section"),
    ("-- !benchmark start code\n", [], "not `@start NAME`"),
    (GOOD_LEAN, [{"input": {"x": 1}}], "needs \"expected\""),
    (GOOD_LEAN, [{"input": {"y": 1}, "expected": 2}], "signature has"),
    (GOOD_LEAN, {"input": {}}, "JSON list"),
])
def test_malformed_task_folders_are_named(tmp_path: Path, lean: str, tests: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_task(_folder(tmp_path, lean, tests))


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="task.json is missing"):
        load_task(tmp_path)
    folder = _folder(tmp_path, GOOD_LEAN, [])
    (folder / "test.json").write_text("[{")
    with pytest.raises(ConfigError, match="test.json is not valid JSON"):
        load_task(folder)
    with pytest.raises(ConfigError, match="no Verina task folders"):
        load_tasks(tmp_path / "nothing")


def test_sections_of_coq_text() -> None:
    text = "(* !benchmark @start import type=task *)\nRequire Import Arith.\n(* !benchmark @end import *)\n" \
           "Definition f (x : nat) : nat :=\n(* !benchmark @start code *)\n  x + 1\n(* !benchmark @end code *)\n."
    assert parse_sections(text) == {"import:task": "Require Import Arith.", "code": "  x + 1"}


def test_candidates_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"task_id": "a", "code": "x"}\n\n{"task_id": "a", "proof": "lia."}\n')
    assert [c.solution.code for c in load_candidates(path)] == ["x", ""]
    path.write_text('{"task_id": "a", "cod": "x"}\n')
    with pytest.raises(ConfigError, match=r"c.jsonl:1: unknown field\(s\) cod"):
        load_candidates(path)
    path.write_text('{"code": "x"}\n')
    with pytest.raises(ConfigError, match="task_id"):
        load_candidates(path)
    path.write_text('{"task_id": "a", "code": 3}\n')
    with pytest.raises(ConfigError, match="must be strings"):
        load_candidates(path)


def test_pass_at_k_is_the_unbiased_estimator() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    assert pass_at_k(4, 1, 4) == 1.0
    with pytest.raises(ConfigError, match="1 <= k <= n"):
        pass_at_k(3, 1, 4)
    outcomes = [SampleOutcome("a", 0, True, True, False), SampleOutcome("a", 1, False, True, True),
                SampleOutcome("b", 0, True, False, False)]
    by = {(r.metric, r.k): r for r in pass_at_ks(outcomes, [1, 2])}
    assert by["code", 1].value == pytest.approx((0.5 + 1.0) / 2)
    assert by["all", 1].value == 0.0
    assert by["proof", 2].value == 1.0 and by["proof", 2].tasks == 1  # task b has one sample: no pass@2


TASK = load_task(COQ_SET / "abs_value")


@pytest.mark.parametrize(("solution", "message"), [
    (Solution(code_aux="Axiom cheat : False."), "code_aux: 'Axiom cheat : False.' is not allowed"),
    (Solution(proof_aux="Lemma l : False.\nProof. admit. Admitted."), "admit"),
    (Solution(proof_aux="Lemma l : 1 = 1.\nProof. reflexivity."), "not closed"),
    (Solution(postcond_aux='Notation "x <= y" := True.'), "is not allowed"),
    (Solution(postcond_aux="Local Open Scope nat_scope."), "is not allowed"),
    (Solution(code_aux="Require Import Coq.Logic.Classical."), "is not allowed"),
    (Solution(code_aux='Declare ML Module "evil".'), "is not allowed"),
    (Solution(code_aux="Module M. Definition absValue_postcond := 0. End M."), "is not allowed"),
    (Solution(imports="Require Import Arith.\nAxiom a : False."), "only `Require Import`"),
    (Solution(code="x.\nAxiom cheat : False.\nDefinition g := 0"), "one Coq term"),
    (Solution(code="x (* "), "cannot split"),
    (Solution(precond="ltac:(admit)"), "admit"),
    (Solution(proof_aux="Lemma l : True.\nProof. Unset Guard Checking. exact I. Qed."), "kernel check"),
])
def test_coq_screen_refuses_cheating_text(solution: Solution, message: str) -> None:
    why = CoqVerina().screen(TASK, solution)
    assert why is not None and message in why


def test_coq_screen_accepts_what_solutions_need() -> None:
    solution = Solution(
        imports="From Coq Require Import Lists.List.",
        code_aux="Fixpoint g (n : nat) : nat := match n with O => O | S k => g k end.\n#[local] Hint Resolve Z.le_refl : core.",
        proof_aux="Lemma helper (x : Z) : x = x.\nProof. reflexivity. Qed.\nLtac finish := lia.\n"
                  "Definition d : nat.\nProof. exact 0%nat. Defined.",
        code="Z.abs x")
    assert CoqVerina().screen(TASK, solution) is None
