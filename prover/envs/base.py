"""The uniform proof-environment API shared by every backend.

Every backend (Coq, Lean 4, F*) returns these frozen dataclasses. A tactic is run on a
`ProofState` and yields a `TacticResult`: a new `ProofState`, `ProofFinished`, or a
`TacticError`/`TacticTimeout` value. Only broken infrastructure raises (see
`prover.errors`). Ids, timings and tactic paths are left out of equality so that search
can de-duplicate states with a set, and every type pickles (Ray) and maps onto store rows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Protocol, Self, runtime_checkable

_WS = re.compile(r"\s+")


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Theorem:
    """A statement to prove, with everything needed to state it."""

    name: str
    """Name of the declaration, e.g. ``add_comm'``."""
    statement: str
    """The full declaration sentence, e.g. ``Theorem foo : forall n, n + 0 = n.``"""
    header: str = ""
    """Imports, opens and any definitions that must precede the statement."""
    backend: str = "coq"
    """Which proof assistant: ``coq``, ``lean`` or ``fstar``."""
    informal: str | None = None
    """A natural-language statement, when the benchmark has one."""
    gold_proof: str | None = None
    """A known proof (the library's own), when there is one."""
    source: str | None = None
    """Where the theorem comes from: a file path with line, or a benchmark id."""
    split: str | None = None
    """Dataset split (train/valid/test) when it comes from a benchmark."""
    module: str | None = None
    """The logical module the header runs in (Coq's ``-top``, e.g. ``Coq.Arith.PeanoNat``
    for a theorem in its library file's context); None for the default (``Top``)."""

    @property
    def key(self) -> str:
        """Stable content hash (not Python's ``hash``): safe as a store key across processes."""
        canon = "\x00".join(
            (self.backend, self.name, normalize_whitespace(self.header), normalize_whitespace(self.statement))
        )
        if self.module is not None:  # keys of theorems without a module stay as they were
            canon += "\x00" + self.module
        return hashlib.sha256(canon.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal: hypotheses as printed (``n, m : nat``) and the conclusion, markup stripped."""

    hypotheses: tuple[str, ...]
    conclusion: str

    def __str__(self) -> str:
        hyps = "\n".join(self.hypotheses)
        bar = "=" * max(20, min(60, len(self.conclusion)))
        return f"{hyps}\n{bar}\n{self.conclusion}" if hyps else f"{bar}\n{self.conclusion}"


def _fingerprint(goals: tuple[Goal, ...], pending: tuple[Goal, ...]) -> str:
    def canon(group: tuple[Goal, ...]) -> str:
        return "\x01".join(
            "\x00".join((*map(normalize_whitespace, g.hypotheses), "|-", normalize_whitespace(g.conclusion)))
            for g in group
        )

    return hashlib.sha256(f"{canon(goals)}\x02{canon(pending)}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class ProofState:
    """A state of an open proof. Equal states have equal goals, whatever their ids or paths."""

    goals: tuple[Goal, ...]
    """The focused goals."""
    pending: tuple[Goal, ...] = ()
    """Goals out of focus (unfocused by bullets/braces, or shelved); they must be closed too."""
    id: int = field(default=0, compare=False)
    """The env's handle for this state; pass the state back to `run_tactic`."""
    depth: int = field(default=0, compare=False)
    """Number of tactics from the theorem's root state."""
    tactics: tuple[str, ...] = field(default=(), compare=False)
    """The tactic path from the root that produced this state."""

    @property
    def fingerprint(self) -> str:
        """Hash of the normalised goals: the key for de-duplicating states in search."""
        return _fingerprint(self.goals, self.pending)

    def __str__(self) -> str:
        if not self.goals:
            return f"(no focused goals; {len(self.pending)} pending)"
        parts = [f"{len(self.goals)} goal{'s' if len(self.goals) != 1 else ''}"]
        for i, goal in enumerate(self.goals, 1):
            parts.append(f"goal {i}:\n{goal}")
        if self.pending:
            parts.append(f"({len(self.pending)} more pending out of focus)")
        return "\n\n".join(parts)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython/notebook display
        printer.text(str(self))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ProofFinished:
    """No goals remain (none focused, unfocused, shelved or given up)."""

    id: int = field(default=0, compare=False)
    depth: int = field(default=0, compare=False)
    tactics: tuple[str, ...] = field(default=(), compare=False)

    @property
    def proof(self) -> str:
        """The tactic script that reached this point, one sentence per line."""
        return "\n".join(self.tactics)


@dataclass(frozen=True, slots=True)
class TacticError:
    """The proof assistant rejected the tactic; the parent state is unchanged."""

    message: str
    location: tuple[int, int] | None = None
    """Character offsets (start, end) of the error inside the tactic text, when known."""


@dataclass(frozen=True, slots=True)
class TacticTimeout:
    """The tactic did not finish within its time limit; the parent state is unchanged."""

    seconds: float


TacticResult = ProofState | ProofFinished | TacticError | TacticTimeout


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of `Env.check`: the only judge of "proved"."""

    accepted: bool
    reason: str
    """Why it was rejected, or ``"accepted"``."""
    messages: tuple[str, ...] = ()
    """Messages the proof assistant printed while checking."""
    axioms: tuple[str, ...] = ()
    """Axioms the proof depends on, fully qualified."""
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return self.accepted


@runtime_checkable
class Env(Protocol):
    """A proof assistant session. Use as a context manager; closing kills the process tree."""

    def start(self, theorem: Theorem) -> ProofState:
        """Open `theorem` and return its root state. Ends any proof this env had open."""
        ...

    def run_tactic(self, state: ProofState, tactic: str, timeout: float | None = None) -> TacticResult:
        """Run `tactic` on `state`, which may be any state returned for the current proof."""
        ...

    def query(self, text: str) -> str:
        """Run a read-only command (Search, Check, About, Locate, Print) and return its output."""
        ...

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """Check a whole proof of `theorem` soundly, independent of any interaction so far."""
        ...

    def close(self) -> None:
        """Stop the proof assistant and every process it started."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...
