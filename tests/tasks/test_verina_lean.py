"""The Lean path on the project's own Verina-format sample, through `prover.open_env("lean")`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.open import open_env
from prover.tasks.verina import Evaluator, Outcome, Solution, backend_for, load_task

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "verina" / "prover_max_of_list"
pytestmark = [
    pytest.mark.requires_lean,
    pytest.mark.skipif(shutil.which("lean") is None or shutil.which("lake") is None,
                       reason="no Lean 4 toolchain: `lean` and `lake` are not on PATH"),
]


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with open_env("lean") as env:
        yield Evaluator(env, backend_for("lean"))


def test_reference_of_the_sample_passes(evaluator: Evaluator) -> None:
    result = evaluator.evaluate(load_task(FIXTURE))
    assert result.code_passed, result.code
    assert result.spec.passed, result.spec
    assert result.proof.accepted, result.proof


def test_wrong_code_and_weak_spec_and_sorry_fail(evaluator: Evaluator) -> None:
    task = load_task(FIXTURE)
    assert not evaluator.evaluate(task, Solution(code="  0")).code_passed
    weak = evaluator.evaluate(task, Solution(postcond="  result ∈ xs"))
    assert weak.spec.postcond_sound.outcome is Outcome.FAIL
    assert not evaluator.evaluate(task, Solution(proof="  sorry")).proof.accepted
