"""The dataset record format, shared by every backend's extractor.

One JSON object per theorem (`TheoremRecord`, steps inline) in ``theorems.jsonl``, and
one per source file (`FileRecord`: the file's text and how to load it) in
``files.jsonl``, so a theorem's context (the file up to its statement) is stored once per
file, not once per theorem. Both are flat JSON Lines with fixed field types, which
Hugging Face ``datasets.load_dataset("json", data_files=...)`` reads directly.

Mapping other sources onto it without change: a Lean REPL ``tactics`` / LeanDojo traced
tactic is a `StepRecord` (tactic text, goals before and after, split at goal boundaries),
its ``full_name``/``file_path``/``start`` are `qualified_name`/`file`/`line`, and the
annotated premises are `premises`; an FStarDataSet entry is a `TheoremRecord` whose
`statement` is the type, `proof` its definition body, `steps` empty, and `premises` its
dependencies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prover.envs.base import Goal, ProofState, Theorem
from prover.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True, slots=True)
class GoalRecord:
    """One goal as the proof assistant printed it."""

    hypotheses: tuple[str, ...]
    conclusion: str

    def to_goal(self) -> Goal:
        return Goal(self.hypotheses, self.conclusion)


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One proof sentence with the goals it ran on and the goals it left."""

    tactic: str
    """The sentence as written in the source (bullets and braces included)."""
    line: int
    """1-based line of the sentence in its file."""
    before: tuple[GoalRecord, ...]
    """Focused goals before the sentence."""
    after: tuple[GoalRecord, ...]
    """Focused goals after it (empty when it closed the last focused goal)."""
    pending_before: int = 0
    """How many goals were out of focus (background, shelved) before it."""
    pending_after: int = 0


@dataclass(frozen=True, slots=True)
class TheoremRecord:
    """A theorem of a library, in its file context, with its gold proof traced step by step."""

    backend: str
    """``coq``, ``lean`` or ``fstar``."""
    library: str
    """The library it comes from (``stdlib``, ``mathcomp``, a project name)."""
    name: str
    """The name as declared (``add_comm``)."""
    qualified_name: str
    """Fully qualified (``Coq.Arith.PeanoNat.Nat.add_comm``)."""
    module: str
    """The file's logical module (``Coq.Arith.PeanoNat``)."""
    file: str
    """Path of the source file relative to the library root."""
    line: int
    """1-based line of the statement."""
    offset: int
    """Character offset of the statement in the file: the context is the file before it."""
    statement: str
    """The declaration sentence exactly as written."""
    context: tuple[str, ...]
    """Hypotheses in scope at the statement (section variables), as printed."""
    proof: tuple[str, ...]
    """The proof's sentences, ``Proof.`` to ``Qed.`` included."""
    steps: tuple[StepRecord, ...]
    """One per proof sentence executed, with goals."""
    replayed: bool
    """True when the gold proof replayed to its end."""
    replay_error: str | None = None
    """Why it did not, when it did not."""
    premises: tuple[str, ...] = ()
    """Fully qualified constants the proof refers to."""
    split: str | None = None
    """train / valid / test, from the library's split manifest."""

    @property
    def key(self) -> str:
        return f"{self.backend}:{self.library}:{self.qualified_name}"


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A source file of a library: its text and what is needed to load it."""

    backend: str
    library: str
    file: str
    """Path relative to the library root."""
    module: str
    """Logical module name."""
    source: str
    """The file's full text (theorem contexts are prefixes of it)."""
    args: tuple[str, ...] = ()
    """Flags the proof assistant needs for this file (load paths, ``-noinit``, ``-top``)."""
    requires: tuple[str, ...] = ()
    """Modules it loads, transitively (the libraries in scope for its theorems)."""
    theorems: int = 0
    replayed: bool = True
    """True when the whole file replayed."""
    error: str | None = None
    """Why the file's extraction failed or stopped, when it did."""
    seconds: float = 0.0


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def goal_from_json(data: dict[str, Any]) -> GoalRecord:
    return GoalRecord(tuple(data["hypotheses"]), data["conclusion"])


def step_from_json(data: dict[str, Any]) -> StepRecord:
    return StepRecord(
        tactic=data["tactic"],
        line=data["line"],
        before=tuple(map(goal_from_json, data["before"])),
        after=tuple(map(goal_from_json, data["after"])),
        pending_before=data.get("pending_before", 0),
        pending_after=data.get("pending_after", 0),
    )


def theorem_from_json(data: dict[str, Any]) -> TheoremRecord:
    fields = {k: _tuples(v) for k, v in data.items() if k != "steps"}
    return TheoremRecord(**fields, steps=tuple(map(step_from_json, data.get("steps", ()))))


def file_from_json(data: dict[str, Any]) -> FileRecord:
    return FileRecord(**{k: _tuples(v) for k, v in data.items()})


def to_json(record: DataclassInstance) -> str:
    """One JSON line (no newline), keys in field order."""
    return json.dumps(asdict(record), ensure_ascii=False)


def write_jsonl(path: str | os.PathLike[str], records: Iterable[DataclassInstance]) -> int:
    """Write records to `path` atomically (a partial file never appears); how many."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(to_json(record) + "\n")
            count += 1
    partial.replace(target)
    return count


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file; ConfigError names the line that is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ConfigError(f"{path}:{number}: not a JSON record ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def read_theorems(path: str | os.PathLike[str]) -> Iterator[TheoremRecord]:
    for data in read_jsonl(path):
        yield theorem_from_json(data)


def read_files(path: str | os.PathLike[str]) -> Iterator[FileRecord]:
    for data in read_jsonl(path):
        yield file_from_json(data)


def to_theorem(record: TheoremRecord, file: FileRecord) -> Theorem:
    """The `Theorem` to start or check: the statement in its file context."""
    return Theorem(
        name=record.name,
        statement=record.statement,
        header=file.source[: record.offset].rstrip(),
        backend=record.backend,
        gold_proof="\n".join(record.proof),
        source=f"{record.library}:{record.file}:{record.line}",
        split=record.split,
        module=record.module,
    )


def state_tactic_pairs(record: TheoremRecord) -> Iterator[tuple[ProofState, str]]:
    """(state, tactic) training pairs from a traced proof: the goals each tactic ran on."""
    for depth, step in enumerate(record.steps):
        goals = tuple(g.to_goal() for g in step.before)
        if goals:
            yield ProofState(goals=goals, depth=depth), step.tactic
