"""Dataset records from a user's own Lean project, traced through the Lean REPL.

A file is elaborated once with ``allTactics`` (or ``infotree``); every tactic the REPL
reports becomes a `StepRecord` of the theorem whose text contains it. With ``tactics``
the REPL gives the goals before each tactic and a proof state; running the tactic again
on that state gives the goals after it (what LeanDojo's tracing records). With an info
tree, both come from its ``TacticInfo`` nodes. The records are the ones Coq extraction
writes (`prover.data.records`), so loaders and training pairs work unchanged.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prover.data.records import FileRecord, GoalRecord, StepRecord, TheoremRecord
from prover.envs.lean.codec import (
    Command,
    CommandReply,
    ErrorReply,
    InfoNode,
    Pos,
    Tactic,
    TacticInfo,
    TacticReply,
    parse_goal,
    split_goals,
)
from prover.envs.lean.session import LeanSession
from prover.envs.process import CallKilled
from prover.errors import ConfigError, EnvCrashed, ProtocolError

_DECLARATION = re.compile(
    r"^(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*(?:theorem|lemma)\s+(?P<name>[^\s:({\[]+)",
    re.MULTILINE,
)
_NAMESPACE = re.compile(r"^(namespace|end)\s+([\w.]+)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Declaration:
    """A ``theorem``/``lemma`` of a source file, found by its keyword at the start of a line."""

    name: str
    namespace: str
    """The namespace it is declared in (``A.B``), from the ``namespace``/``end`` lines before it."""
    offset: int
    """Character offset of the declaration in the file."""
    end: int
    """Character offset where the next declaration starts (or the file ends)."""
    line: int
    statement: str
    """The text up to the ``:=`` that starts the proof."""
    proof: str
    """The text after that ``:=``."""


def declarations(source: str) -> list[Declaration]:
    """The theorems and lemmas of `source`, in order."""
    found = list(_DECLARATION.finditer(source))
    result = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(source)
        text = source[match.start() : end]
        cut = _proof_start(text)
        statement, proof = (text[:cut], text[cut + 2 :]) if cut >= 0 else (text, "")
        result.append(Declaration(match.group("name"), _namespace_at(source, match.start()), match.start(), end,
                                  source.count("\n", 0, match.start()) + 1, statement.strip(), proof.strip()))
    return result


def _proof_start(text: str) -> int:
    """Offset of the ``:=`` that starts the proof: the first one outside brackets."""
    depth = 0
    for index, char in enumerate(text):
        if char in "([{⟨":
            depth += 1
        elif char in ")]}⟩":
            depth -= 1
        elif depth == 0 and text.startswith(":=", index):
            return index
    return -1


def _namespace_at(source: str, offset: int) -> str:
    stack: list[str] = []
    for match in _NAMESPACE.finditer(source, 0, offset):
        if match.group(1) == "namespace":
            stack.append(match.group(2))
        elif stack and stack[-1] == match.group(2):
            stack.pop()
    return ".".join(stack)


def offset_of(source: str, pos: Pos) -> int:
    """Character offset of a REPL position (1-based line, column in codepoints)."""
    lines = source.split("\n")
    return sum(len(line) + 1 for line in lines[: pos.line - 1]) + pos.column


def goal_records(goals: tuple[str, ...]) -> tuple[GoalRecord, ...]:
    return tuple(GoalRecord(g.hypotheses, g.conclusion) for g in map(parse_goal, goals))


@dataclass(frozen=True, slots=True)
class Step:
    """A traced step and where it is in the file."""

    offset: int
    record: StepRecord


def steps_from_tactics(source: str, tactics: tuple[TacticInfo, ...],
                       after: Callable[[TacticInfo], tuple[str, ...] | None]) -> list[Step]:
    """Steps from an ``allTactics`` reply; `after` gives the goals a tactic leaves (None: unknown, step dropped)."""
    steps = []
    for info in tactics:
        if info.pos is None:
            continue
        left = after(info)
        if left is None:
            continue
        record = StepRecord(info.tactic, info.pos.line, goal_records(split_goals(info.goals)), goal_records(left))
        steps.append(Step(offset_of(source, info.pos), record))
    return steps


# Info-tree nodes that wrap tactics rather than being one: the `by` block and tactic sequences.
_WRAPPERS = frozenset({"Lean.Parser.Term.byTactic", "Lean.Parser.Tactic.tacticSeq",
                       "Lean.Parser.Tactic.tacticSeq1Indented", "Lean.Parser.Tactic.tacticSeqBracketed"})


def steps_from_infotree(source: str, trees: tuple[InfoNode, ...]) -> list[Step]:
    """Steps from an info tree: each ``TacticInfo`` node of a real tactic (not a wrapper), its text from the source."""
    steps = []
    seen: set[tuple[int, int]] = set()
    for node in (n for tree in trees for n in tree.walk()):
        if (node.kind != "TacticInfo" or node.name is None or node.name in _WRAPPERS or node.start is None
                or node.finish is None or not node.goals_before):
            continue
        span = (offset_of(source, node.start), offset_of(source, node.finish))
        if span in seen:  # a macro expands into tactics at the same place: keep what was written
            continue
        seen.add(span)
        record = StepRecord(source[span[0] : span[1]], node.start.line, goal_records(node.goals_before),
                            goal_records(node.goals_after))
        steps.append(Step(span[0], record))
    return steps


def records_from_steps(source: str, steps: list[Step], library: str, file: str, module: str,
                       errors: tuple[str, ...] = ()) -> list[TheoremRecord]:
    """One `TheoremRecord` per theorem of `source`, with the steps that lie in its text."""
    records = []
    for decl in declarations(source):
        mine = [s.record for s in sorted(steps, key=lambda s: s.offset) if decl.offset <= s.offset < decl.end]
        qualified = f"{decl.namespace}.{decl.name}" if decl.namespace else decl.name
        records.append(TheoremRecord(
            backend="lean", library=library, name=decl.name, qualified_name=qualified, module=module, file=file,
            line=decl.line, offset=decl.offset, statement=decl.statement, context=(), proof=(decl.proof,),
            steps=tuple(mine), replayed=not errors, replay_error="; ".join(errors)[:500] or None,
        ))
    return records


def module_of(file: str) -> str:
    """Lean's module name for a path relative to the library root (``A/B.lean`` -> ``A.B``)."""
    return file.removesuffix(".lean").replace("/", ".")


def extract_file(session: LeanSession, root: Path, file: str, library: str,
                 timeout: float = 600.0) -> tuple[FileRecord, list[TheoremRecord]]:
    """Trace `file` (relative to `root`) in `session`'s REPL: its record and its theorems' records."""
    path = root / file
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    started = time.monotonic()
    session.base_env("")
    module = module_of(file)
    try:
        reply = session.send(Command(source, all_tactics=True), timeout)
    except (CallKilled, EnvCrashed, ProtocolError) as exc:
        return FileRecord("lean", library, file, module, source, replayed=False, error=str(exc),
                          seconds=time.monotonic() - started), []
    if not isinstance(reply, CommandReply):
        why = reply.message if isinstance(reply, ErrorReply) else "a tactic reply to a command"
        return FileRecord("lean", library, file, module, source, replayed=False, error=why,
                          seconds=time.monotonic() - started), []
    errors = tuple(m.data for m in reply.errors)

    def after(info: TacticInfo) -> tuple[str, ...] | None:
        if info.proof_state is None:
            return None
        try:
            done = session.send(Tactic(info.tactic, info.proof_state), timeout)
        except (CallKilled, EnvCrashed, ProtocolError):
            return None
        return done.goals if isinstance(done, TacticReply) and not done.errors else None

    theorems = records_from_steps(source, steps_from_tactics(source, reply.tactics, after), library, file, module,
                                  errors)
    imports = tuple(line.split()[1] for line in source.splitlines() if line.startswith("import ") and
                    len(line.split()) > 1)
    record = FileRecord("lean", library, file, module, source, requires=imports, theorems=len(theorems),
                        replayed=not errors, error="; ".join(errors)[:500] or None,
                        seconds=time.monotonic() - started)
    return record, theorems
