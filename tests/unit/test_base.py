"""Result types of the uniform env API, and Limits validation: pure."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from prover.envs.base import (
    Env,
    Goal,
    ProofFinished,
    ProofState,
    TacticError,
    TacticTimeout,
    Theorem,
    Verdict,
    normalize_whitespace,
)
from prover.envs.limits import DEFAULT_LIMITS, GIB, Limits, limited_argv, whole_seconds
from prover.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

G1 = Goal(("n, m : nat", "H : n <= m"), "n + 0 <= m")
G2 = Goal((), "True")
STATE = ProofState(goals=(G1, G2), pending=(Goal(("x : nat",), "x = x"),), id=7, depth=2,
                   tactics=("intros n m H.", "split."))
THEOREM = Theorem(
    name="add_0_le",
    statement="Theorem add_0_le : forall n m, n <= m -> n + 0 <= m.",
    header="Require Import Arith.",
    informal="Adding zero keeps an inequality.",
    gold_proof="intros. rewrite Nat.add_0_r. assumption.",
    source="tests/unit/test_base.py:1",
    split="test",
)
VALUES = [
    G1,
    STATE,
    ProofFinished(id=3, depth=4, tactics=("intros.", "lia.")),
    TacticError("Unable to unify.", (0, 11)),
    TacticError("no location"),
    TacticTimeout(2.5),
    Verdict(True, "accepted", ("warning: deprecated",), ("Coq.Logic.Classical_Prop.classic",), 0.25),
    THEOREM,
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_results_are_frozen(value: object) -> None:
    field = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)
    assert not hasattr(value, "__dict__")  # slots: small, and no stray attributes


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_results_pickle_round_trip(value: object) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert back == value
        assert type(back) is type(value)
        assert dataclasses.astuple(back) == dataclasses.astuple(value)  # ids and tactics too


def test_results_hash() -> None:
    assert len({*VALUES, *[pickle.loads(pickle.dumps(v)) for v in VALUES]}) == len(VALUES)


def test_proof_state_equality_ignores_id_depth_and_tactics() -> None:
    other = ProofState(goals=STATE.goals, pending=STATE.pending, id=99, depth=0, tactics=("auto.",))
    assert other == STATE
    assert hash(other) == hash(STATE)
    assert other.fingerprint == STATE.fingerprint
    assert len({STATE, other}) == 1
    assert ProofFinished(id=1, depth=2, tactics=("a.",)) == ProofFinished(id=5)


def test_proof_state_equality_sees_goals_and_pending() -> None:
    assert ProofState((G1,)) != ProofState((G2,))
    assert ProofState((G1, G2)) != ProofState((G2, G1))
    assert ProofState((G1,)) != ProofState((G1,), pending=(G2,))
    assert ProofState((G1,)) != ProofState((Goal(("n, m : nat",), G1.conclusion),))


def test_fingerprint_is_whitespace_insensitive() -> None:
    spaced = ProofState(
        goals=(Goal(("n,   m :\n nat", "  H : n <= m "), "n  +  0\n   <= m"), Goal((), " True ")),
        pending=(Goal(("x :  nat",), "x =\tx"),),
    )
    assert spaced.fingerprint == STATE.fingerprint
    assert normalize_whitespace("  a \n\t b  ") == "a b"


def test_fingerprint_distinguishes_states() -> None:
    prints = {
        ProofState((G1,)).fingerprint,
        ProofState((G2,)).fingerprint,
        ProofState((G1, G2)).fingerprint,
        ProofState((G2, G1)).fingerprint,
        ProofState((G1,), pending=(G2,)).fingerprint,
        ProofState((), pending=(G1,)).fingerprint,
        ProofState((Goal(("n : nat",), "n = n"),)).fingerprint,
        ProofState((Goal((), "n : nat |- n = n"),)).fingerprint,
    }
    assert len(prints) == 8
    assert all(len(p) == 24 and int(p, 16) >= 0 for p in prints)


def test_fingerprint_agrees_with_equality_for_pending_goals() -> None:
    """Equal fingerprints must mean equal states: search de-duplicates states by fingerprint.

    Two states whose out-of-focus goals differ only in their hypotheses are different (one
    pending goal may be provable, the other not), so they must not share a fingerprint.
    """
    provable = ProofState((G2,), pending=(Goal(("H : False",), "False"),))
    unprovable = ProofState((G2,), pending=(Goal((), "False"),))
    assert provable != unprovable
    assert provable.fingerprint != unprovable.fingerprint


_FINGERPRINT_SCRIPT = """
import sys
from prover.envs.base import Goal, ProofState, Theorem
state = ProofState(goals=(Goal(("n, m : nat", "H : n <= m"), "n + 0 <= m"), Goal((), "True")),
                   pending=(Goal(("x : nat",), "x = x"),))
theorem = Theorem("add_0_le", "Theorem add_0_le : forall n m, n <= m -> n + 0 <= m.", "Require Import Arith.")
print(state.fingerprint, theorem.key, hash("salted"))
"""


def test_fingerprint_and_key_are_stable_across_processes() -> None:
    runs = [
        subprocess.run([sys.executable, "-c", _FINGERPRINT_SCRIPT], capture_output=True, text=True,
                       cwd=ROOT, check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.split()
        for seed in ("1", "2")
    ]
    assert runs[0][2] != runs[1][2]  # Python's own str hash does change between these processes ...
    for fingerprint, key, _ in runs:  # ... ours do not
        assert fingerprint == STATE.fingerprint
        assert key == Theorem(THEOREM.name, THEOREM.statement, THEOREM.header).key


def test_theorem_key_is_pinned() -> None:
    """The key is a store key: changing its canonical form orphans every stored row."""
    statement = "Theorem add_0_le : forall n m, n <= m -> n + 0 <= m."
    theorem = Theorem("add_0_le", statement, "Require Import Arith.")
    assert theorem.key == "16725740bc49af87280048304cafd882"
    canon = f"coq\x00add_0_le\x00Require Import Arith.\x00{statement}"
    assert theorem.key == hashlib.sha256(canon.encode()).hexdigest()[:32]


def test_theorem_key_ignores_whitespace_and_metadata() -> None:
    spaced = dataclasses.replace(
        THEOREM,
        statement="Theorem  add_0_le :\n  forall n m,\tn <= m -> n + 0 <= m.",
        header="  Require   Import Arith.\n",
        informal=None,
        gold_proof=None,
        source="elsewhere",
        split="train",
    )
    assert spaced.key == THEOREM.key
    assert dataclasses.replace(THEOREM, name="other").key != THEOREM.key
    assert dataclasses.replace(THEOREM, backend="lean").key != THEOREM.key
    assert dataclasses.replace(THEOREM, header="").key != THEOREM.key
    assert dataclasses.replace(THEOREM, statement=THEOREM.statement.replace("0", "1")).key != THEOREM.key


def test_theorem_defaults() -> None:
    theorem = Theorem("t", "Lemma t : True.")
    assert (theorem.header, theorem.backend, theorem.informal, theorem.gold_proof) == ("", "coq", None, None)


def test_goal_str() -> None:
    text = str(G1)
    lines = text.splitlines()
    assert lines[:2] == ["n, m : nat", "H : n <= m"]
    assert set(lines[2]) == {"="} and len(lines[2]) >= 20
    assert lines[3] == "n + 0 <= m"
    assert str(G2).splitlines()[1:] == ["True"]
    long = Goal((), "x" * 500)
    assert len(str(long).splitlines()[0]) == 60


def test_proof_state_str_and_repr() -> None:
    text = str(STATE)
    assert text.startswith("2 goals")
    assert "goal 1:\nn, m : nat\nH : n <= m\n" in text
    assert "goal 2:\n" in text and "True" in text
    assert "(1 more pending out of focus)" in text
    assert str(ProofState((G2,))).startswith("1 goal\n")
    assert str(ProofState((), pending=(G1, G2))) == "(no focused goals; 2 pending)"
    rep = repr(STATE)
    assert rep.startswith("ProofState(goals=(Goal(hypotheses=('n, m : nat', 'H : n <= m')")
    assert "id=7" in rep and "depth=2" in rep and "'split.'" in rep


def test_proof_state_pretty_printer() -> None:
    class Printer:
        def __init__(self) -> None:
            self.out = ""

        def text(self, s: str) -> None:
            self.out += s

    printer = Printer()
    STATE._repr_pretty_(printer, cycle=False)
    assert printer.out == str(STATE)


def test_proof_finished_proof() -> None:
    done = ProofFinished(id=4, depth=3, tactics=("intros n.", "induction n.", "- reflexivity."))
    assert done.proof == "intros n.\ninduction n.\n- reflexivity."
    assert ProofFinished().proof == ""
    assert "tactics=('intros n.'" in repr(done)


def test_tactic_error_and_timeout_repr() -> None:
    assert repr(TacticError("bad", (1, 2))) == "TacticError(message='bad', location=(1, 2))"
    assert repr(TacticTimeout(1.5)) == "TacticTimeout(seconds=1.5)"


def test_verdict_truthiness() -> None:
    assert Verdict(True, "accepted")
    assert not Verdict(False, "the proof is incomplete: 1 goal(s) remain")
    assert bool(Verdict(False, "accepted")) is False  # only `accepted` decides
    assert [v.reason for v in (Verdict(True, "accepted"), Verdict(False, "no")) if v] == ["accepted"]


def test_env_protocol_is_runtime_checkable() -> None:
    class Fake:
        def start(self, theorem): ...
        def run_tactic(self, state, tactic, timeout=None): ...
        def query(self, text): ...
        def check(self, theorem, proof): ...
        def close(self): ...
        def __enter__(self): ...
        def __exit__(self, *exc): ...

    assert isinstance(Fake(), Env)
    assert not isinstance(object(), Env)


# -- Limits ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["startup_seconds", "tactic_seconds", "proof_seconds", "interrupt_grace_seconds"])
@pytest.mark.parametrize("bad", [0, -1, -0.5, math.nan])
def test_limits_refuse_non_positive_times(name: str, bad: float) -> None:
    with pytest.raises(ConfigError, match=name):
        Limits(**{name: bad})


@pytest.mark.parametrize("bad", [0, 1, 255 * 1024**2, -GIB])
def test_limits_refuse_tiny_memory(bad: int) -> None:
    with pytest.raises(ConfigError, match="memory_bytes"):
        Limits(memory_bytes=bad)


def test_limits_accept_sane_values() -> None:
    assert Limits(memory_bytes=None).memory_bytes is None
    assert Limits(memory_bytes=256 * 1024**2).memory_bytes == 256 * 1024**2
    assert Limits(tactic_seconds=0.1).tactic_seconds == 0.1
    assert DEFAULT_LIMITS == Limits()
    assert DEFAULT_LIMITS.memory_bytes == 4 * GIB
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_LIMITS.tactic_seconds = 1  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Limits(tactic_seconds=3))) == Limits(tactic_seconds=3)


def test_whole_seconds() -> None:
    assert [whole_seconds(t) for t in (0.01, 0.5, 1, 1.0001, 2.5, 10)] == [1, 1, 1, 2, 3, 10]


def test_limited_argv() -> None:
    argv = limited_argv(["coqidetop.opt", "-main-channel", "stdfds"], Limits(memory_bytes=GIB))
    assert argv[0].endswith("prlimit")
    assert f"--as={GIB}" in argv and "--core=0" in argv
    assert argv[argv.index("--") + 1 :] == ["coqidetop.opt", "-main-channel", "stdfds"]
    uncapped = limited_argv(["x"], Limits(memory_bytes=None))
    assert not any(a.startswith("--as") for a in uncapped)
