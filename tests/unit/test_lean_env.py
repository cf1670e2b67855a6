"""LeanEnv's state machine on real replies, and its process handling against a stand-in process.

`tactic_outcome`/`root_goal` are tested on recorded replies. The env itself runs against
tests/fixtures/lean/replay_repl.py: a real process that speaks the REPL's framing and answers
with the replies of a transcript (real ones from ../shared, or the project's own), used for
timeouts, kills, crashes, the memory cap, respawn and replay.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.envs.base import ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.envs.lean.codec import decode
from prover.envs.lean.env import Advanced, Finished, LeanEnv, root_goal, tactic_outcome
from prover.envs.limits import Limits
from prover.errors import EnvInitError, QueryError, StaleStateError

OWN = Path(__file__).resolve().parents[1] / "fixtures" / "lean"
REPLAYER = OWN / "replay_repl.py"
SWAP = Theorem(name="swap_and", statement="theorem swap_and (a b : Prop) (h : a ∧ b) : b ∧ a", backend="lean")


def replies(path: Path) -> list[str]:
    return [c for c in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if c.strip()]


def replay_env(transcript: Path, limits: Limits | None = None) -> LeanEnv:
    argv = (sys.executable, str(REPLAYER), str(transcript), str(transcript.with_suffix(".expected.out")))
    return LeanEnv(limits=limits or Limits(startup_seconds=20, tactic_seconds=5), repl=argv)


@pytest.fixture
def swap_env() -> Iterator[LeanEnv]:
    with replay_env(OWN / "swap_and.in") as env:
        yield env


# -- the state machine on recorded replies -------------------------------------------------
def test_proof_branching_reaches_completed(shared_fixtures: Path) -> None:
    got = [tactic_outcome(decode(r)) for r in replies(shared_fixtures / "lean-repl/proof_branching.expected.out")[1:]]
    assert [type(g) for g in got] == [Advanced, Advanced, Advanced, Finished]
    first = got[0]
    assert isinstance(first, Advanced)
    assert [g.case for g in first.goals] == ["left", "right"]
    assert first.goals[0].hypotheses == ("p q r : Prop", "h1 : p ∧ q", "h2 : q → r")


def test_empty_goals_are_not_done(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    sorry = tactic_outcome(decode(replies(folder / "tactic_mode_sorry.expected.out")[1]))
    assert isinstance(sorry, TacticError) and "sorry" in sorry.message
    kernel = tactic_outcome(decode(replies(folder / "app_type_mismatch2.expected.out")[4]))
    assert isinstance(kernel, TacticError) and "kernel type check failed" in kernel.message
    mvars = tactic_outcome(decode(replies(folder / "app_type_mismatch.expected.out")[-1]))
    assert isinstance(mvars, TacticError) and "metavariable" in mvars.message
    no_status = tactic_outcome(decode('{"proofState": 3, "goals": []}'))
    assert isinstance(no_status, TacticError) and "proofStatus" in no_status.message


def test_errors_become_tactic_errors(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    unknown = tactic_outcome(decode(replies(folder / "unknown_tactic.expected.out")[1]))
    assert unknown == TacticError("<input>:1:1: unknown tactic")
    invalid = tactic_outcome(decode(replies(folder / "invalid_tactic.expected.out")[-1]))
    assert isinstance(invalid, TacticError) and "my_fake_premise" in invalid.message
    state = tactic_outcome(decode(replies(folder / "unknown_proof_state.expected.out")[1]))
    assert state == TacticError("Unknown proof state.")


def test_every_recorded_tactic_reply_has_an_outcome(shared_fixtures: Path) -> None:
    completed = 0
    for path in sorted((shared_fixtures / "lean-repl").glob("*.expected.out")):
        for text in replies(path):
            reply = decode(text)
            if "proofStatus" in text or '"message"' in text[:20]:
                outcome = tactic_outcome(reply)
                completed += isinstance(outcome, Finished)
                if isinstance(outcome, Finished):
                    assert '"Completed"' in text
    assert completed >= 10


def test_root_goal(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    state, goal = root_goal(decode(replies(folder / "proof_branching.expected.out")[0]), "complex_and")
    assert state == 0 and goal.conclusion == "p ∧ r"
    with pytest.raises(EnvInitError, match="unsolved goals"):
        root_goal(decode(replies(folder / "incomplete.expected.out")[0]), "f")
    with pytest.raises(EnvInitError, match="exactly one proof"):
        root_goal(decode(replies(folder / "root_goals.expected.out")[0]), "bb")
    with pytest.raises(EnvInitError, match="refused"):
        root_goal(decode(replies(folder / "unknown_environment.expected.out")[0]), "f")


# -- the env against the stand-in process ---------------------------------------------------
def test_whole_api_on_own_transcript(swap_env: LeanEnv) -> None:
    s0 = swap_env.start(SWAP)
    assert s0.goals[0].conclusion == "b ∧ a" and s0.goals[0].hypotheses == ("a b : Prop", "h : a ∧ b")
    s1 = swap_env.run_tactic(s0, "constructor")
    assert isinstance(s1, ProofState) and len(s1.goals) == 2
    s2 = swap_env.run_tactic(s1, "exact h.2")
    assert isinstance(s2, ProofState) and s2.goals[0].conclusion == "a"
    done = swap_env.run_tactic(s2, "exact h.1")
    assert isinstance(done, ProofFinished) and done.tactics == ("constructor", "exact h.2", "exact h.1")
    assert swap_env.proof_of(done) == "constructor\nexact h.2\nexact h.1"
    wrong = swap_env.run_tactic(s2, "exact h.2")  # the REPL gives a state, but with an error
    assert isinstance(wrong, TacticError) and "type mismatch" in wrong.message
    again = swap_env.run_tactic(s1, "exact h.1 h.2")  # an earlier state as the parent
    assert isinstance(again, TacticError) and "function expected" in again.message
    assert isinstance(swap_env.run_tactic(s2, "exct h.1"), TacticError)


def test_sorry_is_refused_before_it_runs(swap_env: LeanEnv) -> None:
    s0 = swap_env.start(SWAP)
    for cheat in ("sorry", "exact sorry", "admit", "set_option debug.skipKernelTC true in exact h.1",
                  "run_tac Lean.Elab.Tactic.evalTactic", "#exit", "   "):
        assert isinstance(swap_env.run_tactic(s0, cheat), TacticError), cheat


def test_stale_states_are_refused(swap_env: LeanEnv) -> None:
    s0 = swap_env.start(SWAP)
    with pytest.raises(StaleStateError):
        swap_env.run_tactic(ProofState(goals=s0.goals, id=999), "constructor")
    swap_env.start(SWAP)
    with pytest.raises(StaleStateError):
        swap_env.run_tactic(s0, "constructor")


def test_timeout_kills_and_replays(swap_env: LeanEnv) -> None:
    s0 = swap_env.start(SWAP)
    s1 = swap_env.run_tactic(s0, "constructor")
    s2 = swap_env.run_tactic(s1, "exact h.2")
    assert isinstance(s2, ProofState)
    pid = swap_env.pid
    assert swap_env.run_tactic(s2, "prover-test: sleep", timeout=0.5) == TacticTimeout(0.5)
    done = swap_env.run_tactic(s2, "exact h.1")  # respawned, root and path replayed
    assert isinstance(done, ProofFinished)
    assert swap_env.pid != pid and swap_env.restarts == 1


def test_crash_and_garbage_are_tactic_errors_then_recovered(swap_env: LeanEnv) -> None:
    s0 = swap_env.start(SWAP)
    s1 = swap_env.run_tactic(s0, "constructor")
    assert isinstance(s1, ProofState)
    died = swap_env.run_tactic(s1, "prover-test: exit")
    assert isinstance(died, TacticError) and "died" in died.message
    assert isinstance(swap_env.run_tactic(s1, "exact h.2"), ProofState)
    garbled = swap_env.run_tactic(s1, "prover-test: garbage")
    assert isinstance(garbled, TacticError) and "not JSON" in garbled.message
    assert isinstance(swap_env.run_tactic(s1, "exact h.2"), ProofState)
    assert swap_env.restarts == 2


def test_memory_cap_kills_a_memory_bomb() -> None:
    limits = Limits(startup_seconds=20, tactic_seconds=20, memory_bytes=512 * 1024**2)
    with replay_env(OWN / "swap_and.in", limits) as env:
        s0 = env.start(SWAP)
        bomb = env.run_tactic(s0, "prover-test: allocate")
        assert isinstance(bomb, TacticError) and "out of memory" in bomb.message
        assert isinstance(env.run_tactic(s0, "constructor"), ProofState)


def test_queries_are_read_only(swap_env: LeanEnv) -> None:
    swap_env.start(SWAP)
    for bad in ("#eval IO.println 1", "#check 1\n#eval 2", "theorem x : True := trivial",
                "#check (by run_tac pure () : True)"):
        with pytest.raises(QueryError):
            swap_env.query(bad)


def test_wrong_backend_and_missing_toolchain() -> None:
    from prover.errors import ConfigError

    with replay_env(OWN / "swap_and.in") as env, pytest.raises(ConfigError):
        env.start(Theorem(name="t", statement="Theorem t : True."))
    with pytest.raises(EnvInitError, match="no such directory"):
        LeanEnv(project="/nonexistent/lean/project")
