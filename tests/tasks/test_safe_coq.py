"""Safe's Coq verifier against a real coqidetop: the same claims Z3 sees, checked by the kernel."""

from __future__ import annotations

import pytest

from prover.envs.coq.env import CoqEnv
from prover.tasks.safe import CoqVerifier, RuleFormaliser, StepContext, StepVerifier, Z3Verifier
from tests.conftest import needs_coq

pytestmark = needs_coq


@pytest.fixture(scope="module")
def both(coq_env: CoqEnv) -> StepVerifier:
    return StepVerifier(primary=Z3Verifier(), secondary=CoqVerifier(coq_env), cross_check=True)


@pytest.mark.parametrize(("step", "outcome"), [
    ("3 * 7 + 2 = 23", "proved"),                    # Z, lia
    ("16 - 3 = 12", "refuted"),                      # Z, lia proves the negation
    ("130,000 * .15 = 195,000", "refuted"),          # R, lra
    ("(x+1)^2 = x^2 + 2x + 1", "proved"),            # R, field/nra
    ("(x+1)^2 = x^2 + x + 1", "refuted"),            # refuted at Z3's counter-model
    ("if 2x + 3 = 11 then x = 4", "proved"),
    ("10 / 0 = 3", "refuted"),                       # not vacuously proved by the d <> 0 premise
])
def test_coq_agrees_with_z3(both: StepVerifier, step: str, outcome: str) -> None:
    check = both.verify_solution("q", [step]).steps[0].checks[0]
    assert [e.backend for e in check.evidence] == ["z3", "coq"]
    assert check.outcome == outcome
    assert check.confirmed, check.evidence


def test_coq_cannot_state_approximation_and_says_so(coq_env: CoqEnv) -> None:
    claim = RuleFormaliser().formalise("1/3 ≈ 0.333", StepContext("q")).claims[0]
    evidence = CoqVerifier(coq_env).verify(claim)
    assert evidence.outcome == "undecided" and "approximately" in evidence.detail
