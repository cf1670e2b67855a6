"""The Lean REPL codec on real recorded exchanges (../shared) and the project's own fixture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prover.envs.lean.codec import (
    Command,
    CommandReply,
    ErrorReply,
    FrameDecoder,
    PickleEnv,
    PickleProofState,
    Tactic,
    TacticReply,
    UnpickleEnv,
    UnpickleProofState,
    decode,
    encode,
    parse_axioms,
    parse_goal,
    parse_request,
    request_json,
    split_goals,
)
from prover.errors import ProtocolError

OWN = Path(__file__).resolve().parents[1] / "fixtures" / "lean"


def chunks(path: Path) -> list[str]:
    return [c for c in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if c.strip()]


def pairs(folder: Path) -> list[tuple[Path, Path]]:
    found = []
    for request in sorted(folder.glob("*.in")):
        reply = request.with_name(request.name[: -len(".in")] + ".expected.out")
        if reply.exists():
            found.append((request, reply))
    return found


@pytest.fixture
def recorded(shared_fixtures: Path) -> list[tuple[Path, Path]]:
    found = pairs(shared_fixtures / "lean-repl")
    if not found:
        pytest.skip("../shared/fixtures/lean-repl holds no transcripts")
    return found


def check_pair(request_file: Path, reply_file: Path) -> None:
    requests = chunks(request_file)
    replies = chunks(reply_file)
    assert len(requests) == len(replies), request_file.name
    for text in requests:
        # Some recorded inputs hold raw newlines inside strings (the REPL tolerates them).
        data = json.loads(text, strict=False)
        typed = parse_request(data)
        assert request_json(typed) == data, (request_file.name, text)
        wire = encode(typed)
        assert wire.endswith(b"\n\n") and b"\n\n" not in wire[:-2]
        assert json.loads(wire) == data
    for text in replies:
        reply = decode(text)
        assert isinstance(reply, CommandReply | TacticReply | ErrorReply)
        if isinstance(reply, TacticReply):
            for goal in reply.goals:
                parse_goal(goal)
        if isinstance(reply, CommandReply):
            for sorry in reply.sorries:
                parse_goal(sorry.goal)
            for tactic in reply.tactics:
                for goal in split_goals(tactic.goals):
                    parse_goal(goal)


def test_every_recorded_pair_round_trips(recorded: list[tuple[Path, Path]]) -> None:
    for request_file, reply_file in recorded:
        check_pair(request_file, reply_file)
    assert len(recorded) >= 60


def test_own_fixture_round_trips() -> None:
    check_pair(OWN / "swap_and.in", OWN / "swap_and.expected.out")


def test_frame_decoder_cuts_at_blank_lines_across_chunks() -> None:
    text = (OWN / "swap_and.expected.out").read_bytes()
    decoder = FrameDecoder()
    frames = []
    for start in range(0, len(text), 7):
        frames.extend(decoder.feed(text[start : start + 7]))
    frames.extend([decoder.pending] if decoder.pending.strip() else [])
    assert len(frames) == len(chunks(OWN / "swap_and.expected.out"))
    assert [decode(f) for f in frames] == [decode(c) for c in chunks(OWN / "swap_and.expected.out")]


def test_frame_decoder_bounds_a_reply_that_never_ends() -> None:
    decoder = FrameDecoder(max_bytes=1000)
    with pytest.raises(ProtocolError, match="exceeds"):
        decoder.feed(b"{" + b" " * 2000)


def test_command_reply_fields(shared_fixtures: Path) -> None:
    reply = decode(chunks(shared_fixtures / "lean-repl" / "proof_branching.expected.out")[0])
    assert isinstance(reply, CommandReply)
    assert reply.env == 0 and not reply.errors
    assert reply.sorries[0].proof_state == 0
    assert reply.sorries[0].pos is not None and reply.sorries[0].pos.column == 75
    assert reply.messages[0].severity == "warning"


def test_tactic_reply_completed_needs_the_status(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    done = decode(chunks(folder / "proof_branching.expected.out")[-1])
    assert isinstance(done, TacticReply) and done.completed
    sorry = decode(chunks(folder / "tactic_mode_sorry.expected.out")[1])
    assert isinstance(sorry, TacticReply) and sorry.goals == () and not sorry.completed
    kernel = decode(chunks(folder / "app_type_mismatch2.expected.out")[4])
    assert isinstance(kernel, TacticReply) and kernel.goals == () and not kernel.completed
    assert kernel.proof_status is not None and kernel.proof_status.startswith("Error: kernel")


def test_all_tactics_and_infotree(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    tactics = decode(chunks(folder / "all_tactics.expected.out")[0])
    assert isinstance(tactics, CommandReply)
    assert [t.tactic for t in tactics.tactics] == ["have t := 37", "exact t"]
    assert tactics.tactics[1].goals == "t : Nat\n⊢ Nat"
    tree = decode(chunks(folder / "infotree.expected.out")[0])
    assert isinstance(tree, CommandReply) and tree.infotree
    node = tree.infotree[0]
    assert node.kind == "TacticInfo" and node.text == "constructor"
    assert node.goals_before == ("h : Int\n⊢ Nat",) and node.goals_after == ()


def test_error_replies(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "lean-repl"
    assert decode(chunks(folder / "unknown_environment.expected.out")[0]) == ErrorReply("Unknown environment.")
    assert decode(chunks(folder / "unknown_proof_state.expected.out")[1]) == ErrorReply("Unknown proof state.")


def test_request_encoding_is_minimal() -> None:
    assert request_json(Command("def f := 1")) == {"cmd": "def f := 1"}
    assert request_json(Command("x", env=3, all_tactics=True, infotree="full", root_goals=True)) == {
        "cmd": "x", "env": 3, "allTactics": True, "infotree": "full", "rootGoals": True}
    assert request_json(Tactic("intro h", 4)) == {"tactic": "intro h", "proofState": 4}
    assert request_json(PickleEnv("a.olean", 1)) == {"pickleTo": "a.olean", "env": 1}
    assert request_json(PickleProofState("b.olean", 2)) == {"pickleTo": "b.olean", "proofState": 2}
    assert request_json(UnpickleEnv("a.olean")) == {"unpickleEnvFrom": "a.olean"}
    assert request_json(UnpickleProofState("b.olean", 0)) == {"unpickleProofStateFrom": "b.olean", "env": 0}


def test_encode_never_sends_a_blank_line() -> None:
    wire = encode(Command("theorem t : True := by\n\n  trivial"))
    assert wire.count(b"\n\n") == 1 and wire.endswith(b"\n\n")


def test_malformed_replies_raise_protocol_errors() -> None:
    for text in ("not json", "[1, 2]", '{"unknown": 1}', '{"env": "x"}', '{"proofState": 1, "goals": 5}'):
        with pytest.raises(ProtocolError):
            decode(text)
    with pytest.raises(ProtocolError):
        parse_request({"what": 1})


def test_parse_goal() -> None:
    goal = parse_goal("case left\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p")
    assert goal.case == "left"
    assert goal.hypotheses == ("p q r : Prop", "h1 : p ∧ q", "h2 : q → r")
    assert goal.conclusion == "p"
    wrapped = parse_goal("h : a = b ∧\n    c = d\n⊢ a = b ∧\n    c = d")
    assert wrapped.hypotheses == ("h : a = b ∧\n    c = d",)
    assert wrapped.conclusion == "a = b ∧\n    c = d"
    assert parse_goal("⊢ Nat").to_goal().hypotheses == ()
    with pytest.raises(ProtocolError):
        parse_goal("no turnstile")


def test_split_goals() -> None:
    assert split_goals("no goals") == ()
    assert split_goals("⊢ a\n\nx : Nat\n⊢ b") == ("⊢ a", "x : Nat\n⊢ b")


def test_parse_axioms() -> None:
    assert parse_axioms("'foo' does not depend on any axioms") == ("foo", ())
    assert parse_axioms("'A.foo' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]") == (
        "A.foo", ("propext", "Classical.choice", "Quot.sound"))
    assert parse_axioms("'foo' depends on axioms: [sorryAx] and more") is None
    assert parse_axioms("unknown constant 'foo'") is None
