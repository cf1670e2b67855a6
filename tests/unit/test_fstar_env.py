"""FStarEnv's API contract and process handling, without F*.

The semantics of F*'s answers are tested on recorded replies (test_fstar_codec.py) and against
the real fstar.exe in tests/fstar/. Here a stand-in process that speaks F*'s framing
(tests/fixtures/fstar/standin_ide.py) checks what the driver does with a runaway, dying or
noisy process, and that the env wires the judge in.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from prover.envs.base import ProofState, Theorem
from prover.envs.fstar import FStarEnv, find_fstar
from prover.envs.limits import Limits
from prover.errors import ConfigError, EnvCrashed, EnvInitError, UnsupportedOperation

STANDIN = str(Path(__file__).resolve().parents[1] / "fixtures" / "fstar" / "standin_ide.py")
THM = Theorem(name="f", statement="val f : unit -> Lemma True", header="open FStar.Mul", backend="fstar",
              module="Demo")
FAST = Limits(startup_seconds=10, tactic_seconds=2, proof_seconds=1.0, interrupt_grace_seconds=0.5)


def test_tactic_level_calls_say_they_are_unsupported() -> None:
    assert FStarEnv.supports_tactics is False
    with FStarEnv(fstar=STANDIN) as env:
        with pytest.raises(UnsupportedOperation, match="does not support interactive proofs"):
            env.start(THM)
        with pytest.raises(UnsupportedOperation, match="use check"):
            env.run_tactic(ProofState(goals=()), "auto")
        with pytest.raises(UnsupportedOperation):
            env.query("lookup f")
    assert issubclass(UnsupportedOperation, ConfigError)


def test_missing_fstar_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("FSTAR_HOME", raising=False)
    monkeypatch.delenv("FSTAR_EXE", raising=False)
    assert find_fstar() is None
    with FStarEnv() as env, pytest.raises(EnvInitError, match="install an F\\* binary release"):
        env.check(THM, "let f () = ()")


def test_fstar_exe_variable_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FSTAR_EXE", STANDIN)
    assert find_fstar() == STANDIN


def test_wrong_backend_and_missing_val() -> None:
    with FStarEnv(fstar=STANDIN) as env:
        with pytest.raises(ConfigError, match="cannot check a 'coq' theorem"):
            env.check(Theorem("f", "Theorem f : True."), "let f () = ()")
        verdict = env.check(Theorem("f", "", backend="fstar"), "let f () = ()")
        assert not verdict and "no `val`" in verdict.reason


def test_check_wires_the_judge_and_keeps_one_warm_process() -> None:
    with FStarEnv(fstar=STANDIN, limits=FAST) as env:
        assert env.check(THM, "let f () = ()").accepted
        assert env.check(THM, "let f () = () // a word in a comment is no admit").accepted
        warned = env.check(THM, "let f () = WARN335 ()")
        assert not warned and "warning 335" in warned.reason
        failed = env.check(THM, "let f () = FAIL ()")
        assert not failed and "error 19" in failed.reason and failed.messages
        noisy = env.check(THM, "let f () = NOISE ()")
        assert noisy.accepted
        cheat = env.check(THM, "let f () = admit ()")
        assert not cheat and "`admit`" in cheat.reason
        assert env.starts == 1  # one process served every check of the same module and header
        env.check(Theorem("g", "val g : unit", backend="fstar", module="Other"), "let g = ()")
        assert env.starts == 2  # another module needs another process


def test_a_runaway_check_is_killed_and_the_next_check_starts_afresh() -> None:
    with FStarEnv(fstar=STANDIN, limits=FAST) as env:
        env.check(THM, "let f () = ()")
        pid = env._proc.pid  # the test looks at the process it expects killed
        began = time.monotonic()
        verdict = env.check(THM, "let f () = SLEEP ()")
        assert not verdict and "exceeded its budget" in verdict.reason
        assert time.monotonic() - began < 5
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert env.check(THM, "let f () = ()").accepted
        assert env.starts == 2


def test_an_interrupted_check_is_a_timeout_and_the_process_is_replaced() -> None:
    with FStarEnv(fstar=STANDIN, limits=FAST) as env:
        verdict = env.check(THM, "let f () = NAP ()")
        assert not verdict and "exceeded its budget" in verdict.reason
        assert env.check(THM, "let f () = ()").accepted
        assert env.starts == 2


def test_a_dying_process_is_reported_and_replaced() -> None:
    with FStarEnv(fstar=STANDIN, limits=FAST) as env:
        with pytest.raises(EnvCrashed, match="exited in the middle of a query"):
            env.check(THM, "let f () = DIE ()")
        assert env.check(THM, "let f () = ()").accepted


def test_a_failing_header_is_an_init_error() -> None:
    bad = Theorem("f", "val f : unit", header="open FAIL", backend="fstar", module="Demo")
    with FStarEnv(fstar=STANDIN, limits=FAST) as env, pytest.raises(EnvInitError, match="header failed"):
        env.check(bad, "let f = ()")


def test_partial_checked_mode_needs_a_module() -> None:
    with FStarEnv(fstar=STANDIN, partial_checked=True) as env, pytest.raises(ConfigError, match="Theorem.module"):
        env.check(Theorem("f", "val f : unit", backend="fstar"), "let f = ()")
