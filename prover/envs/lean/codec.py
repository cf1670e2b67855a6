"""Pure codec for the Lean REPL (leanprover-community/repl): requests to bytes, bytes to replies.

No processes, clocks or logging here (`driver` owns the process). The REPL reads one JSON
object per request, requests separated by a blank line, and answers each with one JSON
object (pretty-printed over several lines) followed by a blank line. Every string we send
is escaped by `json.dumps`, so a request never contains the blank line that would cut it.

Replies come in three shapes: a command's (``env`` with ``messages``, ``sorries``,
``tactics``, ``infotree``), a tactic's (``proofState``, ``goals``, ``proofStatus``,
``messages``, ``sorries``, ``traces``), and an error (``message``). Only ``proofStatus:
"Completed"`` means a proof is done: ``goals: []`` alone also appears for proofs that
contain ``sorry``, unassigned metavariables, or fail the kernel check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from prover.envs.base import Goal
from prover.errors import ProtocolError

COMPLETED = "Completed"
"""The only ``proofStatus`` that means the proof is finished and kernel-checked."""


# -- requests -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Command:
    """Elaborate Lean commands, on top of environment `env` (None: a fresh one, imports allowed)."""

    cmd: str
    env: int | None = None
    all_tactics: bool = False
    """Ask for every tactic the commands ran, with its goals (``tactics`` in the reply)."""
    infotree: str | None = None
    """Ask for the info tree: ``"full"``, ``"tactics"``, ``"original"`` or ``"substantive"``."""
    root_goals: bool = False
    """Ask for a proof state at the start of each proof (``sorries`` in the reply)."""


@dataclass(frozen=True, slots=True)
class File:
    """Elaborate the Lean file at `path` (on the REPL's side), like `Command` on its text."""

    path: str
    env: int | None = None
    all_tactics: bool = False


@dataclass(frozen=True, slots=True)
class Tactic:
    """Run `tactic` on proof state `proof_state`; any earlier state may be the parent."""

    tactic: str
    proof_state: int


@dataclass(frozen=True, slots=True)
class PickleEnv:
    """Write environment `env` to an ``.olean`` file at `path`."""

    path: str
    env: int


@dataclass(frozen=True, slots=True)
class UnpickleEnv:
    """Load an environment written by `PickleEnv`; the reply names its new id."""

    path: str


@dataclass(frozen=True, slots=True)
class PickleProofState:
    """Write proof state `proof_state` to `path`."""

    path: str
    proof_state: int


@dataclass(frozen=True, slots=True)
class UnpickleProofState:
    """Load a proof state written by `PickleProofState` (on top of `env` when given)."""

    path: str
    env: int | None = None


Request = Command | File | Tactic | PickleEnv | UnpickleEnv | PickleProofState | UnpickleProofState


def request_json(request: Request) -> dict[str, Any]:
    """The JSON object the REPL expects for `request` (optional fields only when set)."""
    match request:
        case Command(cmd, env, all_tactics, infotree, root_goals):
            data: dict[str, Any] = {"cmd": cmd}
            _put(data, env=env, allTactics=all_tactics or None, infotree=infotree, rootGoals=root_goals or None)
        case File(path, env, all_tactics):
            data = {"path": path}
            _put(data, env=env, allTactics=all_tactics or None)
        case Tactic(tactic, proof_state):
            data = {"tactic": tactic, "proofState": proof_state}
        case PickleEnv(path, env):
            data = {"pickleTo": path, "env": env}
        case UnpickleEnv(path):
            data = {"unpickleEnvFrom": path}
        case PickleProofState(path, proof_state):
            data = {"pickleTo": path, "proofState": proof_state}
        case UnpickleProofState(path, env):
            data = {"unpickleProofStateFrom": path}
            _put(data, env=env)
    return data


def _put(data: dict[str, Any], **optional: Any) -> None:
    data.update((key, value) for key, value in optional.items() if value is not None)


def encode(request: Request) -> bytes:
    """`request` as the bytes to write: one line of JSON, then the blank line that ends it."""
    return json.dumps(request_json(request), ensure_ascii=False).encode() + b"\n\n"


def parse_request(data: dict[str, Any]) -> Request:
    """The typed request for a JSON object in the REPL's input format (recorded sessions)."""
    try:
        if "tactic" in data:
            return Tactic(str(data["tactic"]), int(data["proofState"]))
        if "cmd" in data:
            return Command(data["cmd"], data.get("env"), bool(data.get("allTactics", False)),
                           data.get("infotree"), bool(data.get("rootGoals", False)))
        if "pickleTo" in data:
            if "proofState" in data:
                return PickleProofState(data["pickleTo"], int(data["proofState"]))
            return PickleEnv(data["pickleTo"], int(data["env"]))
        if "unpickleEnvFrom" in data:
            return UnpickleEnv(data["unpickleEnvFrom"])
        if "unpickleProofStateFrom" in data:
            return UnpickleProofState(data["unpickleProofStateFrom"], data.get("env"))
        if "path" in data:
            return File(data["path"], data.get("env"), bool(data.get("allTactics", False)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed REPL request {data!r}: {exc}") from exc
    raise ProtocolError(f"not a REPL request: {sorted(data)}")


# -- replies --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pos:
    """A position in the command text: 1-based line, 0-based column (in codepoints)."""

    line: int
    column: int

    @classmethod
    def parse(cls, data: Any) -> Pos | None:
        if data is None:
            return None
        return cls(int(data["line"]), int(data["column"]))


@dataclass(frozen=True, slots=True)
class Message:
    """A message Lean printed: severity (``error``, ``warning``, ``info``), place, text."""

    severity: str
    data: str
    pos: Pos | None = None
    end_pos: Pos | None = None

    @classmethod
    def parse(cls, data: Any) -> Message:
        return cls(str(data["severity"]), str(data["data"]), Pos.parse(data.get("pos")),
                   Pos.parse(data.get("endPos")))


@dataclass(frozen=True, slots=True)
class Sorry:
    """A ``sorry`` in the elaborated text, with the proof state that stands for its goal."""

    goal: str
    proof_state: int | None
    pos: Pos | None = None
    end_pos: Pos | None = None

    @classmethod
    def parse(cls, data: Any) -> Sorry:
        state = data.get("proofState")
        return cls(str(data["goal"]), None if state is None else int(state), Pos.parse(data.get("pos")),
                   Pos.parse(data.get("endPos")))


@dataclass(frozen=True, slots=True)
class TacticInfo:
    """One tactic a command ran (``allTactics``): its text, the goals it ran on, where it is."""

    tactic: str
    goals: str
    """The goals before the tactic, as one pretty-printed text (goals separated by blank lines)."""
    proof_state: int | None
    pos: Pos | None
    end_pos: Pos | None
    used_constants: tuple[str, ...] = ()
    """Constants the tactic's syntax refers to (recent REPLs only)."""

    @classmethod
    def parse(cls, data: Any) -> TacticInfo:
        state = data.get("proofState")
        return cls(str(data["tactic"]), str(data["goals"]), None if state is None else int(state),
                   Pos.parse(data.get("pos")), Pos.parse(data.get("endPos")),
                   tuple(map(str, data.get("usedConstants", ()))))


@dataclass(frozen=True, slots=True)
class InfoNode:
    """One node of an info tree: its kind (``TacticInfo``, ``TermInfo`` ...) and what it covers."""

    kind: str
    name: str | None
    """The syntax node kind the elaborator ran (``Lean.Parser.Tactic.constructor``)."""
    text: str | None
    """The syntax pretty-printed (``pp``)."""
    start: Pos | None
    finish: Pos | None
    goals_before: tuple[str, ...]
    goals_after: tuple[str, ...]
    children: tuple[InfoNode, ...]

    @classmethod
    def parse(cls, data: Any) -> InfoNode:
        node = data.get("node") or {}
        stx = node.get("stx") or {}
        span = stx.get("range") or {}
        return cls(
            kind=str(data.get("kind", "")),
            name=node.get("name"),
            text=stx.get("pp"),
            start=Pos.parse(span.get("start")),
            finish=Pos.parse(span.get("finish")),
            goals_before=tuple(map(str, node.get("goalsBefore", ()))),
            goals_after=tuple(map(str, node.get("goalsAfter", ()))),
            children=tuple(cls.parse(child) for child in data.get("children", ())),
        )

    def walk(self) -> list[InfoNode]:
        """This node and all below it, in source order (pre-order)."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


@dataclass(frozen=True, slots=True)
class CommandReply:
    """What elaborating commands produced: the new environment and everything it reported."""

    env: int
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    tactics: tuple[TacticInfo, ...] = ()
    infotree: tuple[InfoNode, ...] = ()

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")


@dataclass(frozen=True, slots=True)
class TacticReply:
    """The proof state a tactic produced, and whether the proof is finished (`proof_status`)."""

    proof_state: int
    goals: tuple[str, ...]
    proof_status: str | None
    """``Completed`` only when finished (None from REPLs older than the field)."""
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    traces: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    @property
    def completed(self) -> bool:
        """Finished: status ``Completed``, no goal, no error, no sorry (``goals: []`` alone is not)."""
        return self.proof_status == COMPLETED and not self.goals and not self.errors and not self.sorries


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """The REPL refused the request (unknown env or proof state, a tactic that failed to run)."""

    message: str


Reply = CommandReply | TacticReply | ErrorReply


def parse_reply(data: Any) -> Reply:
    """The typed reply for one decoded JSON object; ProtocolError when it has no known shape."""
    if not isinstance(data, dict):
        raise ProtocolError(f"a REPL reply must be a JSON object, got {type(data).__name__}")
    try:
        messages = tuple(Message.parse(m) for m in data.get("messages", ()))
        sorries = tuple(Sorry.parse(s) for s in data.get("sorries", ()))
        if "proofState" in data and "goals" in data:
            status = data.get("proofStatus")
            return TacticReply(int(data["proofState"]), tuple(map(str, data["goals"])),
                               None if status is None else str(status), messages, sorries,
                               tuple(map(str, data.get("traces", ()))))
        if "env" in data:
            return CommandReply(int(data["env"]), messages, sorries,
                                tuple(TacticInfo.parse(t) for t in data.get("tactics", ())),
                                tuple(InfoNode.parse(n) for n in data.get("infotree", ())))
        if "message" in data:
            return ErrorReply(str(data["message"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProtocolError(f"malformed REPL reply ({exc}): {json.dumps(data)[:300]}") from exc
    raise ProtocolError(f"unknown REPL reply with keys {sorted(data)}: {json.dumps(data)[:300]}")


def decode(frame: bytes | str) -> Reply:
    """One reply frame (the text between blank lines) as a typed reply."""
    text = frame.decode("utf-8", errors="replace") if isinstance(frame, bytes) else frame
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"the REPL answered with text that is not JSON ({exc}): {text[:300]!r}") from exc
    return parse_reply(data)


class FrameDecoder:
    """Incrementally cuts the REPL's output into reply frames (texts between blank lines)."""

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self._buffer = b""
        self._max = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        """Feed raw bytes; return every frame they complete (without the blank line)."""
        self._buffer += data
        frames = []
        while (cut := self._buffer.find(b"\n\n")) >= 0:
            frame, self._buffer = self._buffer[:cut], self._buffer[cut + 2 :]
            if frame.strip():
                frames.append(frame)
        if len(self._buffer) > self._max:
            raise ProtocolError(f"a REPL reply exceeds {self._max} bytes without ending")
        return frames

    @property
    def pending(self) -> bytes:
        """Bytes received that do not form a whole frame yet."""
        return self._buffer


# -- goals ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LeanGoal:
    """One goal as Lean prints it: an optional case tag, hypotheses, and the target after ``⊢``."""

    case: str | None
    hypotheses: tuple[str, ...]
    conclusion: str

    def to_goal(self) -> Goal:
        return Goal(self.hypotheses, self.conclusion)


_TURNSTILE = "⊢"


def parse_goal(text: str) -> LeanGoal:
    """Split a pretty-printed goal into case tag, hypotheses and conclusion.

    A hypothesis starts at column 0; Lean indents the lines of one that wraps, so indented
    lines continue the previous one. Everything from the ``⊢`` line on is the conclusion.
    """
    lines = text.split("\n")
    case = None
    if lines and lines[0].startswith("case "):
        case = lines.pop(0)[len("case ") :].strip()
    hypotheses: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith(_TURNSTILE):
            conclusion = "\n".join([line[len(_TURNSTILE) :].strip(), *lines[index + 1 :]]).strip()
            return LeanGoal(case, tuple(hypotheses), conclusion)
        if line[:1].isspace() and hypotheses:
            hypotheses[-1] += "\n" + line
        elif line.strip():
            hypotheses.append(line)
    raise ProtocolError(f"a goal without {_TURNSTILE}: {text[:200]!r}")


def split_goals(text: str) -> tuple[str, ...]:
    """The goals of a ``tactics`` entry, which prints them in one text separated by blank lines."""
    if text.strip() in ("", "no goals"):
        return ()
    return tuple(chunk for chunk in re.split(r"\n\s*\n", text) if chunk.strip())


# -- axioms ---------------------------------------------------------------------------------
_DEPENDS = re.compile(r"'(?P<name>[^\n]+?)' depends on axioms: \[(?P<axioms>[^\]]*)\]")
_NO_AXIOMS = re.compile(r"'(?P<name>[^\n]+?)' does not depend on any axioms")


def parse_axioms(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(declaration, axioms) from ``#print axioms`` output, or None when it is not such output."""
    text = text.strip()
    if (none := _NO_AXIOMS.fullmatch(text)) is not None:
        return none.group("name"), ()
    if (found := _DEPENDS.fullmatch(text)) is not None:
        names = tuple(a.strip() for a in found.group("axioms").split(",") if a.strip())
        return found.group("name"), names
    return None
