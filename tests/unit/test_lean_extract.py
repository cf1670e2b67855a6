"""The Lean extractor (prover.data.lean) on recorded REPL replies and project-written sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prover.data.lean import (
    declarations,
    module_of,
    records_from_steps,
    steps_from_infotree,
    steps_from_tactics,
)
from prover.data.records import state_tactic_pairs, theorem_from_json, to_json
from prover.envs.lean.codec import CommandReply, TacticReply, decode


def chunks(path: Path) -> list[str]:
    return [c for c in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if c.strip()]


def test_theorem_from_a_recorded_infotree(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    source = json.loads(chunks(folder / "infotree_theorem.in")[0])["cmd"]
    reply = decode(chunks(folder / "infotree_theorem.expected.out")[0])
    assert isinstance(reply, CommandReply)
    steps = steps_from_infotree(source, reply.infotree)
    [record] = records_from_steps(source, steps, "demo", "Demo.lean", "Demo")
    assert record.name == "show_p" and record.statement == "theorem show_p (p: Prop) (h : p) : p"
    assert record.proof == ("by exact h",)
    assert [s.tactic for s in record.steps] == ["exact h"]
    step = record.steps[0]
    assert step.before[0].conclusion == "p" and step.before[0].hypotheses == ("p : Prop", "h : p")
    assert step.after == ()
    assert theorem_from_json(json.loads(to_json(record))) == record
    assert [t for _, t in state_tactic_pairs(record)] == ["exact h"]


def test_steps_from_recorded_all_tactics_with_recorded_after(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    source = json.loads(chunks(folder / "all_tactics-20250622.in")[0])["cmd"]
    reply, after = (decode(c) for c in chunks(folder / "all_tactics-20250622.expected.out"))
    assert isinstance(reply, CommandReply) and isinstance(after, TacticReply)
    steps = steps_from_tactics(source, reply.tactics, lambda info: after.goals if info.proof_state == 0 else None)
    assert [(s.record.tactic, s.record.line) for s in steps] == [("exact hp", 2)]
    assert steps[0].record.before[0].hypotheses == ("P : Prop", "hp : P") and steps[0].record.after == ()
    assert source[steps[0].offset :].startswith("exact hp")


def test_theorem_with_sorry_is_recorded_with_its_step(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    requests = [json.loads(c) for c in chunks(folder / "self_proof_check.in")]
    index = next(i for i, r in enumerate(requests) if r.get("allTactics"))
    reply = decode(chunks(folder / "self_proof_check.expected.out")[index])
    assert isinstance(reply, CommandReply)
    source = requests[index]["cmd"]
    [record] = records_from_steps(source, steps_from_tactics(source, reply.tactics, lambda _: ()), "d", "D.lean", "D")
    assert record.name == "ex" and [s.tactic for s in record.steps] == ["sorry"]


def test_declarations_of_a_source() -> None:
    source = (
        "import Mathlib\n\nnamespace Foo\n\ntheorem a_b (x : Nat) (h : x = (1 : Nat)) : x = 1 := by\n  exact h\n\n"
        "def helper : Nat := 1\n\n@[simp] lemma c_d : helper = 1 := rfl\n\nend Foo\n\ntheorem top : True := trivial\n"
    )
    found = declarations(source)
    assert [(d.name, d.namespace, d.line) for d in found] == [("a_b", "Foo", 5), ("c_d", "Foo", 10), ("top", "", 14)]
    assert found[0].statement == "theorem a_b (x : Nat) (h : x = (1 : Nat)) : x = 1"
    assert found[0].proof.startswith("by\n  exact h")
    assert module_of("Foo/Bar.lean") == "Foo.Bar"


def test_extract_file_through_a_process_serving_recorded_replies(shared_fixtures: Path, tmp_path: Path) -> None:
    import sys

    from prover.data.lean import extract_file
    from prover.envs.lean.session import LeanSession
    from prover.envs.lean.toolchain import LeanToolchain

    transcript = shared_fixtures / "lean-repl" / "all_tactics-20250622.in"
    source = json.loads(chunks(transcript)[0])["cmd"]
    (tmp_path / "Demo.lean").write_text(source, encoding="utf-8")
    replayer = Path(__file__).resolve().parents[1] / "fixtures" / "lean" / "replay_repl.py"
    argv = (sys.executable, str(replayer), str(transcript), str(transcript.with_suffix(".expected.out")))
    session = LeanSession(LeanToolchain(argv, None, None, None))
    try:
        record, theorems = extract_file(session, tmp_path, "Demo.lean", "demo", timeout=20)
    finally:
        session.close()
    assert record.replayed and record.error is None and record.module == "Demo"
    assert theorems == []  # the file's one proof is an `example`, which has no name to record
    assert session.requests == 2  # the file, then its one tactic re-run for the goals after it
