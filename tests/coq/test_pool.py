"""`EnvPool` with real coqidetop processes: warm reuse, header switches, recycling, threads, close."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from prover.envs.base import ProofFinished, ProofState, Theorem
from prover.envs.coq.env import CoqEnv
from prover.envs.pool import EnvPool
from prover.errors import ConfigError
from tests.conftest import needs_coq

pytestmark = needs_coq

ARITH = "Require Import Arith."
PLAIN = "Definition three := 3."


def numbered(i: int) -> Theorem:
    return Theorem(f"add_0_r_{i}", f"Lemma add_0_r_{i} : forall n : nat, n + {i} = {i} + n.", ARITH)


def coq_children() -> set[int]:
    """Live coqidetop processes started by this Python process."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if ppid == me and comm.startswith("coqidetop") and state not in ("Z", "X"):
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_dead(pid: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} is still alive"
        time.sleep(0.01)


def prove(env: CoqEnv, theorem: Theorem, *tactics: str) -> object:
    result: object = env.start(theorem)
    for tactic in tactics:
        assert isinstance(result, ProofState), result
        result = env.run_tactic(result, tactic)
    return result


def test_one_warm_process_for_many_theorems_with_the_same_header() -> None:
    with EnvPool(size=2) as pool:
        pids = set()
        envs = set()
        for i in range(6):
            with pool.env(ARITH) as env:
                assert isinstance(env, CoqEnv)
                done = prove(env, numbered(i), "intros n.", "apply Nat.add_comm.")
                assert isinstance(done, ProofFinished), done
                pids.add(env.pid)
                envs.add(id(env))
                assert env.restarts == 0
        assert len(pids) == 1 and len(envs) == 1
        assert None not in pids
        with pool.env("  Require   Import\n Arith. ") as spaced:  # whitespace does not matter
            assert spaced.pid in pids


def test_switching_headers() -> None:
    with EnvPool(size=1) as pool:
        for header in (ARITH, PLAIN, ARITH, "", PLAIN):
            with pool.env(header) as env:
                if header == PLAIN:
                    s0 = env.start(Theorem("uses_three", "Lemma uses_three : three = 3.", PLAIN))
                    assert [g.conclusion for g in s0.goals] == ["three = 3"]
                    assert isinstance(env.run_tactic(s0, "reflexivity."), ProofFinished)
                elif header == ARITH:
                    done = prove(env, numbered(2), "intros n.", "apply Nat.add_comm.")
                    assert isinstance(done, ProofFinished)
                    assert "No object" in env.query("Locate three.")
                else:
                    s0 = env.start(Theorem("tt", "Lemma tt : True."))
                    assert isinstance(env.run_tactic(s0, "exact I."), ProofFinished)
        assert pool.check(numbered(3), "intros n. apply Nat.add_comm. Qed.")
        assert pool.check(Theorem("uses_three", "Lemma uses_three : three = 3.", PLAIN), "reflexivity.")
        assert not pool.check(Theorem("uses_three", "Lemma uses_three : three = 4.", PLAIN), "reflexivity.")


def test_dead_and_failed_envs_are_recycled() -> None:
    with EnvPool(size=1) as pool:
        # The process dies while the env is in use: found when the env comes back.
        with pool.env(ARITH) as env:
            prove(env, numbered(4))
            dead_env, pid = env, env.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            wait_dead(pid)
        with pool.env(ARITH) as env:
            assert env is not dead_env
            done = prove(env, numbered(4), "intros n.", "apply Nat.add_comm.")
            assert isinstance(done, ProofFinished)
            assert env.pid != pid
            idle_env, pid = env, env.pid
        # The process dies while the env waits in the pool: the next user still gets a working env.
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_dead(pid)
        with pool.env(ARITH) as env:
            done = prove(env, numbered(7), "intros n.", "apply Nat.add_comm.")
            assert isinstance(done, ProofFinished)
            assert env.pid not in (None, pid)
            broken, pid = env, env.pid
        # The caller raised while holding the env: it is closed and replaced.
        with pytest.raises(RuntimeError), pool.env(ARITH) as env:
            assert env is broken
            raise RuntimeError("the caller failed half-way")
        assert pid is not None
        wait_dead(pid)
        with pool.env(ARITH) as env:
            assert env is not broken and env is not idle_env
            assert isinstance(prove(env, numbered(5), "intros n.", "apply Nat.add_comm."), ProofFinished)


def test_max_uses_recycles() -> None:
    with EnvPool(size=1, max_uses=2) as pool:
        seen = []
        for i in range(3):
            with pool.env(PLAIN) as env:
                seen.append(env)
                prove(env, Theorem("uses_three", "Lemma uses_three : three = 3.", PLAIN))
        assert seen[0] is seen[1] and seen[2] is not seen[0]


@pytest.mark.slow
def test_threads_share_a_small_pool() -> None:
    good = "intros n. apply Nat.add_comm. Qed."
    jobs = []
    for i in range(20):
        theorem = numbered(i) if i % 3 else Theorem(f"three_{i}", f"Lemma three_{i} : three + {i} = {i} + 3.", PLAIN)
        if i % 3 == 0:
            proof, expected = ("reflexivity.", True) if i % 2 == 0 else ("exact I.", False)
        elif i % 4 == 1:
            proof, expected = "intros n. reflexivity. Qed.", False
        elif i % 4 == 2:
            proof, expected = "intros n. admit. Admitted.", False
        else:
            proof, expected = good, True
        jobs.append((theorem, proof, expected))
    assert 5 <= sum(e for _, _, e in jobs) <= 15
    before = coq_children()
    active = 0
    most = 0
    lock = threading.Lock()

    with EnvPool(size=2) as pool:
        def run(job: tuple[Theorem, str, bool]) -> tuple[bool, str]:
            nonlocal active, most
            theorem, proof, _ = job
            with pool.env(theorem.header) as env:
                with lock:
                    active += 1
                    most = max(most, active)
                try:
                    verdict = env.check(theorem, proof)
                finally:
                    with lock:
                        active -= 1
            return verdict.accepted, verdict.reason

        with ThreadPoolExecutor(max_workers=4) as executor:
            results = list(executor.map(run, jobs))
        assert len(coq_children() - before) <= 4  # two envs, each an interactive and a checker process
    for (theorem, proof, expected), (accepted, reason) in zip(jobs, results, strict=True):
        assert accepted == expected, (theorem.name, proof, reason)
    assert most == 2
    assert coq_children() - before == set()


def test_close_stops_every_process() -> None:
    before = coq_children()
    pool = EnvPool(size=2)
    pids = set()
    with pool.env(ARITH) as first, pool.env(PLAIN) as second:
        prove(first, numbered(6))
        prove(second, Theorem("uses_three", "Lemma uses_three : three = 3.", PLAIN))
        assert first is not second
        pids = {first.pid, second.pid}
        assert first.check(numbered(6), "intros n. apply Nat.add_comm. Qed.")
    assert None not in pids
    started = coq_children() - before
    assert pids <= started and len(started) == 3  # two interactive, one checker
    pool.close()
    assert coq_children() - before == set()
    for pid in started:
        assert not alive(pid)
    with pytest.raises(ConfigError), pool.env(ARITH):
        pass
    pool.close()  # twice is fine


def test_pool_refuses_bad_settings() -> None:
    with pytest.raises(ConfigError):
        EnvPool(size=-1)
    with pytest.raises(ConfigError):
        EnvPool(size=1, max_uses=0)
    with pytest.raises(ConfigError):
        EnvPool(backend="isabelle", size=1).check(numbered(0), "auto.")
    assert EnvPool().size == (os.cpu_count() or 1)


def test_pool_refuses_size_zero() -> None:
    """`size=0` is a mistake to report, not a request for one env per CPU."""
    with pytest.raises(ConfigError):
        EnvPool(size=0)
