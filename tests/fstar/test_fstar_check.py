"""The whole F* check path against the real fstar.exe: proofs, failures, and cheats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prover.envs.base import Theorem
from prover.envs.fstar import FStarEnv
from prover.envs.limits import Limits
from prover.errors import EnvInitError

pytestmark = pytest.mark.requires_fstar

SUM = Theorem(
    name="sum_lemma",
    statement="val sum_lemma : n:nat -> Lemma (ensures sum n == n * (n + 1) / 2)",
    header='let rec sum (n:nat) : nat = if n = 0 then 0 else n + sum (n - 1)\n#push-options "--fuel 2 --z3rlimit 20"',
    backend="fstar",
    module="SumDemo",
)
GOOD = "let rec sum_lemma n = if n = 0 then () else sum_lemma (n - 1)"


@pytest.fixture(scope="module")
def env() -> Iterator[FStarEnv]:
    with FStarEnv(limits=Limits(proof_seconds=60)) as fstar:
        yield fstar


def test_a_real_proof_is_accepted(env: FStarEnv) -> None:
    verdict = env.check(SUM, GOOD)
    assert verdict.accepted, verdict


def test_a_wrong_proof_is_rejected(env: FStarEnv) -> None:
    verdict = env.check(SUM, "let sum_lemma n = ()")
    assert not verdict.accepted and "rejected" in verdict.reason


def test_a_definition_of_the_wrong_type_is_rejected(env: FStarEnv) -> None:
    verdict = env.check(SUM, "let sum_lemma (n:nat) : Lemma (sum n == 0) = admit ()")
    assert not verdict.accepted


@pytest.mark.parametrize("cheat", [
    "let sum_lemma n = admit ()",
    "let sum_lemma n = assume (sum n == n * (n + 1) / 2)",
    "let sum_lemma n = magic ()",
    "assume val helper : n:nat -> Lemma (sum n == n * (n + 1) / 2)\nlet sum_lemma n = helper n",
    "val helper : n:nat -> Lemma (sum n == n * (n + 1) / 2)\nlet sum_lemma n = helper n",
    "[@@expect_failure]\nlet sum_lemma n = ()",
    '#push-options "--admit_smt_queries true"\nlet sum_lemma n = ()',
    "let other n = ()",
])
def test_cheats_are_rejected(env: FStarEnv, cheat: str) -> None:
    assert not env.check(SUM, cheat).accepted


def test_warning_335_reported_by_fstar_is_caught() -> None:
    # No screening reads the (trusted) header; an assumption used there is reported by F* itself
    # under --report_assumes warn, and the env refuses to check against such a header.
    sneaky = Theorem(name="t", statement="val t : unit -> Lemma False",
                     header="let cheat () : Lemma False = admit ()", backend="fstar", module="Sneaky")
    with FStarEnv() as fstar, pytest.raises(EnvInitError, match="warning 335"):
        fstar.check(sneaky, "let t () = cheat ()")


def test_the_header_state_is_pristine_after_each_check(env: FStarEnv) -> None:
    assert not env.check(SUM, "let sum_lemma n = ()").accepted
    assert env.check(SUM, GOOD).accepted
    assert env.check(SUM, GOOD).accepted  # the previous definition was popped


def test_a_runaway_tactic_times_out_and_the_next_check_works() -> None:
    looping = Theorem(name="slow", statement="val slow : unit -> Lemma True",
                      header="open FStar.Tactics.V2\nlet rec loop () : Tac unit = loop ()", backend="fstar",
                      module="Slow")
    with FStarEnv(limits=Limits(proof_seconds=3, interrupt_grace_seconds=1)) as fstar:
        verdict = fstar.check(looping, "let slow () = assert True by (loop ())")
        assert not verdict.accepted and "exceeded its budget" in verdict.reason
        assert fstar.check(looping, "let slow () = ()").accepted
