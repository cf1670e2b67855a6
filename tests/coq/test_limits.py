"""Runaway tactics, memory bombs and killed processes against a real coqidetop.

Every runaway input must come back within its timeout + 2 s as a value (never a hang, never
an exception), and the env must answer a normal tactic on the same state right after. The
escalation is Coq's own ``Timeout N``, then SIGINT, then killing the process group; the
tests reach each step: plain loops stop at ``Timeout``, user-written ``Timeout``/``Fail``/
``Time`` prefixes (which the env does not wrap) need the SIGINT, and a stopped process
(SIGSTOP) ignores even that, so only the kill ends it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.base import ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.envs.coq.codec import Codec
from prover.envs.coq.driver import CoqProcess
from prover.envs.coq.env import CoqEnv
from prover.envs.limits import GIB, Limits
from prover.envs.process import CallKilled
from prover.errors import EnvCrashed, ProverError, QueryError
from tests.conftest import needs_coq

pytestmark = needs_coq

HEADER = """Require Import Arith List.
Ltac spin := idtac; spin.
Fixpoint burn (n : nat) : bool := match n with 0 => true | S k => andb (burn k) (burn k) end."""
LOOP = Theorem("add_0_r'", "Lemma add_0_r' : forall n : nat, n + 0 = n.", HEADER)
ROOT_GOAL = [((), "forall n : nat, n + 0 = n")]
PROOF = "intros n. rewrite Nat.add_0_r. reflexivity."
TIMEOUT = 1.0
SLACK = 2.0
ENDLESS = "do 100000000 idtac."
"""A loop that keeps a constant stack, so only the clock can end it (recursive `spin` may
overflow Coq's stack first, which is a TacticError, not a timeout)."""


def goals(result: object) -> list[tuple[tuple[str, ...], str]]:
    assert isinstance(result, ProofState), result
    return [(g.hypotheses, g.conclusion) for g in result.goals]


def timed(env: CoqEnv, state: ProofState, tactic: str, timeout: float = TIMEOUT) -> tuple[object, float]:
    start = time.monotonic()
    result = env.run_tactic(state, tactic, timeout=timeout)
    return result, time.monotonic() - start


def assert_usable(env: CoqEnv, s0: ProofState) -> None:
    """The same state answers normal tactics correctly."""
    assert goals(env.run_tactic(s0, "idtac.")) == ROOT_GOAL
    assert goals(env.run_tactic(s0, "intros n.")) == [(("n : nat",), "n + 0 = n")]
    assert isinstance(env.run_tactic(s0, PROOF), ProofFinished)


def wait_dead(pid: int, within: float = 5.0) -> None:
    """Wait until `pid` has exited (gone, or a zombie waiting to be reaped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc_state(pid) in (None, "Z", "X"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still running after {within}s")


def proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


@pytest.fixture(scope="module")
def loop_env() -> Iterator[tuple[CoqEnv, ProofState]]:
    with CoqEnv() as env:
        yield env, env.start(LOOP)


@pytest.fixture
def fresh() -> Iterator[CoqEnv]:
    with CoqEnv() as env:
        yield env


# -- non-terminating tactics --------------------------------------------------------------------
RUNAWAY = {
    "ltac-recursion": "spin.",
    "repeat-progressing-rewrite": "intros n; repeat (rewrite <- Nat.add_0_r at 1).",
    "let-rec": "let rec f x := f x in f 0.",
    "vm_compute-exponential": "let x := eval vm_compute in (burn 60) in idtac.",
    "compute-exponential": "let x := eval compute in (burn 60) in idtac.",
    "do-huge-count": ENDLESS,
    "user-timeout-prefix": "Timeout 1000 spin.",
}


@pytest.mark.parametrize("tactic", list(RUNAWAY.values()), ids=list(RUNAWAY))
def test_runaway_tactic_times_out_and_env_stays_usable(loop_env: tuple[CoqEnv, ProofState], tactic: str) -> None:
    env, s0 = loop_env
    result, elapsed = timed(env, s0, tactic)
    assert isinstance(result, TacticTimeout), result
    assert result.seconds == TIMEOUT
    assert elapsed < TIMEOUT + SLACK, f"{tactic!r} took {elapsed:.2f}s"
    assert_usable(env, s0)


def test_time_prefix_returns_a_value(loop_env: tuple[CoqEnv, ProofState]) -> None:
    """`Time spin.` is not wrapped in Timeout; Coq overflows its stack or is interrupted."""
    env, s0 = loop_env
    result, elapsed = timed(env, s0, "Time spin.")
    assert isinstance(result, TacticTimeout) or (
        isinstance(result, TacticError) and "Stack overflow" in result.message
    ), result
    assert elapsed < TIMEOUT + SLACK
    assert_usable(env, s0)


def test_fail_prefix_cannot_swallow_the_interrupt(loop_env: tuple[CoqEnv, ProofState]) -> None:
    """`Fail spin.` runs past its limit; our SIGINT makes `spin` fail, which `Fail` turns into
    success. The deadline was still missed: the result must be a timeout, not a new state."""
    env, s0 = loop_env
    result, elapsed = timed(env, s0, "Fail spin.")
    assert elapsed < TIMEOUT + SLACK
    assert isinstance(result, TacticTimeout), result
    assert_usable(env, s0)


def test_runaway_on_a_deep_state(loop_env: tuple[CoqEnv, ProofState]) -> None:
    env, s0 = loop_env
    s1 = env.run_tactic(s0, "intros n.")
    s2 = env.run_tactic(s1, "rewrite <- (Nat.add_0_r n) at 1.")
    assert goals(s2) == [(("n : nat",), "n + 0 + 0 = n")]
    result, elapsed = timed(env, s2, ENDLESS)
    assert isinstance(result, TacticTimeout) and elapsed < TIMEOUT + SLACK
    assert goals(env.run_tactic(s2, "idtac.")) == [(("n : nat",), "n + 0 + 0 = n")]
    assert isinstance(env.run_tactic(s2, "rewrite !Nat.add_0_r. reflexivity."), ProofFinished)


def test_explicit_timeout_argument_and_default(loop_env: tuple[CoqEnv, ProofState]) -> None:
    env, s0 = loop_env
    result, elapsed = timed(env, s0, ENDLESS, timeout=2.0)
    assert isinstance(result, TacticTimeout) and result.seconds == 2.0
    assert 1.5 < elapsed < 2.0 + SLACK
    assert env.limits.tactic_seconds == 10.0  # the default applies when no timeout is given
    assert isinstance(env.run_tactic(s0, PROOF), ProofFinished)


def test_runaway_query_is_a_query_error() -> None:
    with CoqEnv(limits=Limits(tactic_seconds=1.0)) as env:
        s0 = env.start(LOOP)
        start = time.monotonic()
        with pytest.raises(QueryError):
            env.query("Eval vm_compute in burn 60.")
        assert time.monotonic() - start < 1.0 + SLACK
        assert env.query("Check burn.") == "burn\n     : nat -> bool"
        assert_usable(env, s0)


# -- memory ---------------------------------------------------------------------------------------
MEMORY_BOMBS = {
    "vm-repeat-2^28": "let x := eval vm_compute in (List.repeat 0 (Nat.pow 2 28)) in idtac.",
    "vm-seq-2^22": "let x := eval vm_compute in (List.seq 0 (Nat.pow 2 22)) in idtac.",
    "vm-unary-2^30": "let x := eval vm_compute in (Nat.pow 2 30) in idtac.",
}


@pytest.fixture(scope="module")
def capped_env() -> Iterator[tuple[CoqEnv, ProofState]]:
    with CoqEnv(limits=Limits(memory_bytes=GIB)) as env:
        yield env, env.start(LOOP)


@pytest.mark.parametrize("tactic", list(MEMORY_BOMBS.values()), ids=list(MEMORY_BOMBS))
def test_memory_bomb_under_a_cap(capped_env: tuple[CoqEnv, ProofState], tactic: str) -> None:
    """Under a 1 GiB cap a huge vm_compute is a TacticError about memory, or a timeout."""
    env, s0 = capped_env
    result, elapsed = timed(env, s0, tactic, timeout=2.0)
    assert elapsed < 2.0 + SLACK
    assert isinstance(result, TacticTimeout) or (
        isinstance(result, TacticError) and "memory" in result.message.lower()
    ), result
    assert_usable(env, s0)


# -- the interrupt and kill paths -----------------------------------------------------------------
def test_call_killed_when_coqidetop_never_answers() -> None:
    """The driver's last step: no answer to SIGINT within the grace period kills the group."""
    codec = Codec()
    proc = CoqProcess((), Limits(interrupt_grace_seconds=0.3))
    try:
        assert codec.version_of(codec.value(proc.call(codec.about(), 30).value)) == "8.16.1"  # type: ignore[arg-type]
        pid = proc.pid
        assert group_members(pid) == [pid]
        start = time.monotonic()
        with pytest.raises(CallKilled):
            proc.call(b"", timeout=0.3)  # an idle coqidetop keeps a SIGINT for its next call
        assert time.monotonic() - start < 0.3 + 0.3 + 1.0
        assert not proc.alive()
        assert group_members(pid) == []
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
        with pytest.raises(EnvCrashed):
            proc.call(codec.about(), timeout=1)
    finally:
        proc.kill()


def test_sigint_interrupts_a_running_call() -> None:
    codec = Codec()
    proc = CoqProcess((), Limits())
    try:
        init = codec.value(proc.call(codec.init(), 30).value)
        root = int(init.payload.get("val"))  # type: ignore[union-attr]
        for sentence in ("Ltac spin := idtac; spin.", "Lemma loop : True.", "spin."):
            added = codec.value(proc.call(codec.add(sentence, root), 30).value)
            root = codec.added_state(added)  # type: ignore[arg-type]
            if sentence != "spin.":
                proc.call(codec.status(), 30)
        start = time.monotonic()
        reply = proc.call(codec.status(), timeout=0.5)
        assert reply.interrupted
        value = codec.value(reply.value)
        assert getattr(value, "message", None) == "User interrupt."
        assert time.monotonic() - start < 0.5 + 1.0
        assert proc.alive()  # SIGINT stops the work, not the process
    finally:
        proc.kill()


@pytest.mark.slow
def test_kill_path_when_coq_ignores_the_interrupt(fresh: CoqEnv) -> None:
    env = fresh
    s0 = env.start(LOOP)
    s1 = env.run_tactic(s0, "intros n.")
    old = env.pid
    assert old is not None and env.restarts == 0
    os.kill(old, signal.SIGSTOP)  # deaf to Timeout and SIGINT alike
    result, elapsed = timed(env, s1, "rewrite Nat.add_0_r.")
    assert isinstance(result, TacticTimeout)
    assert elapsed < TIMEOUT + SLACK
    assert group_members(old) == []
    assert proc_state(old) is None
    assert goals(env.run_tactic(s1, "rewrite Nat.add_0_r.")) == [(("n : nat",), "n = n")]
    assert env.pid not in (None, old)
    assert env.restarts == 1, "the process was killed and respawned: restarts must count it"


def test_sigkill_between_tactics_respawns_and_replays(fresh: CoqEnv) -> None:
    env = fresh
    s0 = env.start(LOOP)
    s1 = env.run_tactic(s0, "intros n.")
    s2 = env.run_tactic(s1, "rewrite <- (Nat.add_0_r n) at 1.")
    s3 = env.run_tactic(s2, "rewrite <- (Nat.add_0_r (n + 0)) at 1.")
    assert goals(s3) == [(("n : nat",), "n + 0 + 0 + 0 = n")]
    old = env.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_dead(old)
    deep = env.run_tactic(s3, "rewrite Nat.add_0_r.")
    assert goals(deep) == [(("n : nat",), "n + 0 + 0 = n")]
    assert env.restarts == 1
    assert env.pid not in (None, old)
    assert goals(env.run_tactic(s1, "idtac.")) == [(("n : nat",), "n + 0 = n")]
    assert isinstance(env.run_tactic(s3, "rewrite !Nat.add_0_r. reflexivity."), ProofFinished)
    assert env.restarts == 1


def test_sigkill_during_a_long_tactic_from_another_thread(fresh: CoqEnv) -> None:
    """A process that dies under a running tactic gives a value, and the env recovers.

    Like an out-of-memory abort, the death happens while this tactic runs; the env
    respawns on the next call anyway, so nothing is broken beyond repair (`EnvCrashed`
    is for that).
    """
    env = fresh
    s0 = env.start(LOOP)
    s1 = env.run_tactic(s0, "intros n.")
    old = env.pid
    assert old is not None
    killer = threading.Timer(0.5, os.kill, (old, signal.SIGKILL))
    killer.start()
    start = time.monotonic()
    try:
        result: object = env.run_tactic(s1, "spin.", timeout=10)
    except ProverError as exc:
        result = exc
    elapsed = time.monotonic() - start
    killer.join()
    assert elapsed < 3.0, "the death must be noticed at once, not at the tactic's timeout"
    try:
        assert isinstance(result, TacticError | TacticTimeout), f"a value, not {result!r}"
    finally:
        assert goals(env.run_tactic(s1, "rewrite Nat.add_0_r.")) == [(("n : nat",), "n = n")]
        assert env.restarts == 1
        assert_usable(env, s0)


def test_broken_pipe_never_leaks_an_oserror(fresh: CoqEnv) -> None:
    env = fresh
    s0 = env.start(LOOP)
    old = env.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    try:
        env.query("Check Nat.add_0_r.")  # may race the death: answered or a ProverError
    except ProverError:
        pass
    except OSError as exc:  # pragma: no cover - the failure this test is for
        pytest.fail(f"raw OSError from a dead pipe: {exc!r}")
    assert env.query("Check Nat.add_0_r.").startswith("Nat.add_0_r")
    new = env.pid
    assert new is not None and new != old
    os.kill(new, signal.SIGKILL)
    wait_dead(new)
    try:
        result = env.run_tactic(s0, "intros n.")
    except ProverError:
        result = env.run_tactic(s0, "intros n.")
    assert goals(result) == [(("n : nat",), "n + 0 = n")]


def test_broken_pipe_in_the_driver() -> None:
    codec = Codec()
    proc = CoqProcess((), Limits())
    try:
        proc.call(codec.about(), 30)
        os.kill(proc.pid, signal.SIGKILL)
        wait_dead(proc.pid)
        with pytest.raises(EnvCrashed):
            proc.call(codec.about(), timeout=5)
        with pytest.raises(EnvCrashed):
            proc.call(codec.init(), timeout=5)
        proc.close(codec.quit())  # closing a dead process is quiet
    finally:
        proc.kill()


def test_close_kills_the_process_group(fresh: CoqEnv) -> None:
    env = fresh
    env.start(LOOP)
    pid = env.pid
    assert pid is not None and group_members(pid) == [pid]
    env.close()
    assert group_members(pid) == []
    assert proc_state(pid) is None
    env.close()  # twice is fine
