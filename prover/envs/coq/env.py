"""`CoqEnv`: the uniform proof-environment API over coqidetop.

Every state the env hands out is remembered as its tactic path from the theorem's root.
Running a tactic on any of them asks the document for header + statement + that path
(`CoqDocument.sync` re-runs only the part that differs, usually nothing or one
``Edit_at``), then adds the tactic. So any earlier state can be the parent, and a crashed
or killed coqidetop is rebuilt by replay on the next call.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

from prover.envs import limits as lim
from prover.envs.base import (
    Goal,
    ProofFinished,
    ProofState,
    TacticError,
    TacticResult,
    TacticTimeout,
    Theorem,
    Verdict,
)
from prover.envs.coq.check import CoqChecker, screen_sentence
from prover.envs.coq.codec import Goals, RawGoal
from prover.envs.coq.document import CoqDocument, Done, Failed, ReplayError
from prover.envs.coq.sentences import one_sentence, sentence_texts
from prover.envs.interactive import InteractiveEnv
from prover.envs.states import StateTable
from prover.errors import ConfigError, EnvCrashed, EnvInitError

_HAMMER_LIBEXEC = "/usr/libexec/coq-hammer"  # Debian's coq-hammer keeps `htimeout` here


@dataclass(frozen=True, slots=True)
class _Node:
    sentences: tuple[str, ...]
    tactics: tuple[str, ...]


def coq_args(load_path: tuple[tuple[str, str], ...] = (), recursive: bool = True) -> tuple[str, ...]:
    """coqidetop flags for extra load paths: (directory, logical prefix) pairs."""
    flag = "-R" if recursive else "-Q"
    return tuple(itertools.chain.from_iterable((flag, d, p) for d, p in load_path))


def module_args(args: tuple[str, ...], module: str | None) -> tuple[str, ...]:
    """coqidetop flags that run a header as logical module `module` (``-top``), after `args`.

    None keeps `args` as they are (Coq's default module ``Top``). Otherwise any ``-top`` or
    ``-topfile`` in `args` is replaced, and the standard library's ``Coq.Init`` modules get
    ``-noinit``, as Coq's build compiles them (they cannot load the prelude they build).
    """
    if module is None:
        return args
    flags: list[str] = []
    rest = iter(args)
    for flag in rest:
        if flag in ("-top", "-topfile"):
            next(rest, None)
        else:
            flags.append(flag)
    if module.startswith("Coq.Init.") and "-noinit" not in flags:
        flags.append("-noinit")
    return (*flags, "-top", module)


def _ensure_hammer_path() -> None:
    # The hammer's ATP wrapper must be on PATH of coqidetop, which inherits ours.
    path = os.environ.get("PATH", "")
    if os.path.isdir(_HAMMER_LIBEXEC) and _HAMMER_LIBEXEC not in path.split(os.pathsep):
        os.environ["PATH"] = f"{path}{os.pathsep}{_HAMMER_LIBEXEC}" if path else _HAMMER_LIBEXEC


class CoqEnv(InteractiveEnv):
    """A Coq session: start theorems, run tactics on any earlier state, query, check.

    ``with CoqEnv() as env: s0 = env.start(theorem)``. Closing kills coqidetop and
    every process it started. A theorem with a `module` (a library file's context) runs
    as that module, ``-top MODULE``: `start` and `check` respawn their coqidetop when the
    module changes.
    """

    def __init__(self, limits: lim.Limits = lim.DEFAULT_LIMITS, args: tuple[str, ...] = (),
                 cwd: str | None = None, allowed_axioms: tuple[str, ...] | None = None) -> None:
        _ensure_hammer_path()
        self.limits = limits
        self._args = args
        self._cwd = cwd
        self._doc = CoqDocument(args, limits, cwd)
        self._checker_doc = CoqDocument(args, limits, cwd)
        self._checker = CoqChecker(self._checker_doc, allowed_axioms)
        self._past_restarts = 0
        self._states: StateTable[_Node] = StateTable()
        self._theorem: Theorem | None = None
        self._prefix: tuple[str, ...] = ()

    def _processes(self) -> tuple[CoqDocument, CoqDocument]:
        return self._doc, self._checker_doc

    @property
    def restarts(self) -> int:
        """How many times coqidetop had to be respawned (crash, kill, runaway tactic)."""
        return self._past_restarts + self._doc.restarts

    # -- module -----------------------------------------------------------------------------
    def _in_module(self, doc: CoqDocument, module: str | None) -> CoqDocument:
        """`doc` if it runs as `module` (Coq's ``-top``, fixed at startup), else a fresh one that does.

        The old one is closed: an env serves one file context at a time (a pool keys envs
        by header, which names the file), so switching is rare and costs one startup.
        """
        wanted = module_args(self._args, module)
        if doc.args == wanted:
            return doc
        if doc is self._doc:
            self._past_restarts += doc.restarts
        doc.close()
        return CoqDocument(wanted, self.limits, self._cwd)

    # -- header ---------------------------------------------------------------------------
    def load_header(self, header: str) -> int:
        """Bring the document to exactly `header`; its state id. Cheap when already there."""
        return self._doc.load_header(sentence_texts(header, "header") if header.strip() else ())

    # -- proofs ---------------------------------------------------------------------------
    def start(self, theorem: Theorem) -> ProofState:
        """Open `theorem` after its header; its root state. Ends any proof open before."""
        if theorem.backend != "coq":
            raise ConfigError(f"CoqEnv cannot start a {theorem.backend!r} theorem; use open_env({theorem.backend!r})")
        statement = one_sentence(theorem.statement)
        self._states.clear()
        self._theorem = None
        self._doc = self._in_module(self._doc, theorem.module)
        self.load_header(theorem.header)
        opened = self._doc.advance(statement, self.limits.startup_seconds)
        if not isinstance(opened, Done):
            why = opened.message if isinstance(opened, Failed) else "it timed out"
            raise EnvInitError(f"the statement of {theorem.name!r} failed: {why}")
        name, _ = self._doc.status()
        if name != theorem.name:
            raise EnvInitError(f"the statement opens a proof named {name!r}, not {theorem.name!r}")
        self._theorem = theorem
        self._prefix = self._doc.sentences
        result = self._observe(_Node((), ()))
        if not isinstance(result, ProofState):
            raise EnvInitError(f"the statement of {theorem.name!r} opened no goal")
        return result

    def run_tactic(self, state: ProofState, tactic: str, timeout: float | None = None) -> TacticResult:
        """Run `tactic` (one or more sentences) on `state`, any state of the current proof."""
        node = self._states.node(state)
        try:
            sentences = sentence_texts(tactic, "tactic")
        except ConfigError as exc:
            return TacticError(str(exc))
        if not sentences:
            return TacticError("the tactic is empty")
        for sentence in sentences:
            why = screen_sentence(sentence)
            if why is not None:
                return TacticError(f"not allowed in a proof: {why}")
        seconds = self.limits.tactic_seconds if timeout is None else timeout
        try:
            self._doc.sync(self._prefix + node.sentences, self.limits.proof_seconds)
        except ReplayError as exc:
            raise EnvCrashed(f"could not rebuild the parent state after a restart: {exc}") from exc
        for sentence in sentences:
            outcome = self._doc.advance(sentence, seconds)
            if isinstance(outcome, Failed):
                return TacticError(outcome.message, outcome.location if len(sentences) == 1 else None)
            if not isinstance(outcome, Done):
                return TacticTimeout(seconds)
        if self._doc.status() != (self._theorem.name, (self._theorem.name,)):
            return TacticError("the tactic left the proof")
        # The tactic as its sentences (final period included), so a path replays through `check`.
        return self._observe(_Node(node.sentences + sentences, node.tactics + (" ".join(sentences),)))

    def _observe(self, node: _Node) -> TacticResult:
        goals = self._doc.goals()
        if goals is None:
            return TacticError("no proof is open after the tactic")
        if goals.given_up:
            return TacticError(f"the tactic gave up {len(goals.given_up)} goal(s) (admit is not a proof)")
        state_id = self._states.add(node)
        depth = len(node.tactics)
        if goals.empty:
            return ProofFinished(id=state_id, depth=depth, tactics=node.tactics)
        return _state(goals, state_id, depth, node.tactics)

    def query(self, text: str, state: ProofState | None = None) -> str:
        """Output of a read-only command (Search, Check, About, Locate, Print) at `state` or the tip.

        Raises `QueryError` with Coq's message when the command fails.
        """
        command = text.strip()
        if not command.endswith("."):
            command += "."
        if state is not None:
            self._doc.sync(self._prefix + self._states.node(state).sentences, self.limits.proof_seconds)
        elif not self._doc.alive():
            self._doc.sync(self._doc.sentences, self.limits.proof_seconds)
        return self._doc.query(command, timeout=self.limits.tactic_seconds)

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """Check a whole proof soundly, in this env's own separate checker process."""
        self._checker_doc = self._checker.document = self._in_module(self._checker_doc, theorem.module)
        return self._checker.check(theorem, proof)

    def proof_of(self, state: ProofState | ProofFinished) -> str:
        """The tactic script from the root to `state`, one tactic per line."""
        return "\n".join(self._states.node(state).tactics)

def _goal(raw: RawGoal) -> Goal:
    return Goal(raw.hypotheses, raw.conclusion)


def _state(goals: Goals, state_id: int, depth: int, tactics: tuple[str, ...]) -> ProofState:
    return ProofState(
        goals=tuple(map(_goal, goals.foreground)),
        pending=tuple(map(_goal, goals.background + goals.shelved)),
        id=state_id,
        depth=depth,
        tactics=tactics,
    )
