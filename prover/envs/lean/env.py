"""`LeanEnv`: the uniform proof-environment API over the Lean REPL.

`start` elaborates ``statement := by sorry`` on top of the header's environment; the
sorry's proof state is the root. Every state handed out is remembered as its tactic path
from the root, and the REPL's proof-state id for that path is cached per REPL process:
a tactic runs on the parent's id (any earlier state can be the parent), and after the REPL
was killed (timeout, memory cap, crash) the next call respawns it and rebuilds the parent
by replaying its path. A proof is finished only when the REPL says ``proofStatus:
"Completed"`` (its kernel check passed); ``goals: []`` alone is not enough.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from prover.envs import limits as lim
from prover.envs.base import (
    ProofFinished,
    ProofState,
    TacticError,
    TacticResult,
    TacticTimeout,
    Theorem,
    Verdict,
)
from prover.envs.interactive import InteractiveEnv
from prover.envs.lean.check import DEFAULT_AXIOMS, LeanChecker, screen, statement_head
from prover.envs.lean.codec import (
    COMPLETED,
    Command,
    CommandReply,
    ErrorReply,
    LeanGoal,
    Reply,
    Tactic,
    TacticReply,
    parse_goal,
)
from prover.envs.lean.session import LeanSession, split_header
from prover.envs.lean.toolchain import LeanToolchain, find_toolchain
from prover.envs.process import CallKilled
from prover.envs.states import StateTable
from prover.errors import (
    ConfigError,
    EnvCrashed,
    EnvInitError,
    ProtocolError,
    QueryError,
    StartupTimeout,
)

_QUERIES = ("#check", "#print", "#synth", "#reduce", "#find", "#help", "#where")


@dataclass(frozen=True, slots=True)
class Advanced:
    """The tactic ran and goals remain: the REPL's new proof state and its goals."""

    proof_state: int
    goals: tuple[LeanGoal, ...]


@dataclass(frozen=True, slots=True)
class Finished:
    """The tactic closed the proof and the REPL's kernel check passed."""

    proof_state: int


def tactic_outcome(reply: Reply) -> Advanced | Finished | TacticError:
    """What a reply to a tactic means for the proof (pure: tested on recorded replies).

    An error message or a new ``sorry`` rejects the tactic even when the REPL gave a new
    state. With no goals left, only ``proofStatus: "Completed"`` finishes the proof;
    "contains sorry", "contains metavariable(s)" and "Error: kernel type check failed"
    reject it, and so does a REPL too old to report the status.
    """
    if isinstance(reply, ErrorReply):
        return TacticError(reply.message.removeprefix("Lean error:").strip())
    if not isinstance(reply, TacticReply):
        raise ProtocolError(f"the REPL answered a tactic with a {type(reply).__name__}")
    if reply.errors:
        return TacticError("\n".join(m.data for m in reply.errors))
    if reply.sorries:
        return TacticError("the tactic leaves a `sorry`, which is not a proof")
    if reply.goals:
        return Advanced(reply.proof_state, tuple(map(parse_goal, reply.goals)))
    if reply.proof_status == COMPLETED:
        return Finished(reply.proof_state)
    if reply.proof_status is None:
        return TacticError("no goals remain, but this REPL does not report proofStatus, so the proof cannot "
                           "be confirmed finished; use a REPL from 2025 or later")
    return TacticError(f"no goals remain but the proof is not complete: {reply.proof_status}")


def root_goal(reply: Reply, name: str) -> tuple[int, LeanGoal]:
    """The proof state and goal of ``statement := by sorry``'s one sorry; EnvInitError otherwise."""
    if isinstance(reply, ErrorReply):
        raise EnvInitError(f"the statement of {name!r} was refused: {reply.message}")
    if not isinstance(reply, CommandReply):
        raise ProtocolError("the REPL answered a command with a tactic reply")
    if reply.errors:
        raise EnvInitError(f"the statement of {name!r} failed: {'; '.join(m.data for m in reply.errors)}")
    states = [s for s in reply.sorries if s.proof_state is not None]
    if len(reply.sorries) != 1 or not states:
        raise EnvInitError(f"the statement of {name!r} must open exactly one proof; it has {len(reply.sorries)} "
                           "sorries (does the statement itself contain `sorry`?)")
    return states[0].proof_state, parse_goal(states[0].goal)  # type: ignore[return-value]


class ReplayError(EnvInitError):
    """A tactic path that ran before failed when replayed after the REPL restarted."""


class LeanEnv(InteractiveEnv):
    """A Lean session: start theorems, run tactics on any earlier state, query, check.

    ``with LeanEnv(project="~/mathlib-project") as env: s0 = env.start(theorem)``.
    `repl` gives the REPL command directly (as a tuple), overriding discovery. Closing
    kills every REPL process it started.
    """

    def __init__(self, limits: lim.Limits = lim.DEFAULT_LIMITS, project: str | os.PathLike[str] | None = None,
                 repl: tuple[str, ...] | None = None, allowed_axioms: tuple[str, ...] = DEFAULT_AXIOMS) -> None:
        self.limits = limits
        self.toolchain = LeanToolchain(repl, None, None, None) if repl else find_toolchain(project)
        self._session = LeanSession(self.toolchain, limits)
        self._checker = LeanChecker(LeanSession(self.toolchain, limits), allowed_axioms)
        self._states: StateTable[tuple[str, ...]] = StateTable()
        self._repl_ids: dict[tuple[str, ...], int] = {}
        self._generation = -1
        self._theorem: Theorem | None = None
        self._env: int | None = None

    def _processes(self) -> tuple[LeanSession, LeanSession]:
        return self._session, self._checker.session

    @property
    def restarts(self) -> int:
        """How many times the REPL had to be respawned (crash, kill, runaway tactic)."""
        return self._session.restarts

    # -- proofs ---------------------------------------------------------------------------
    def start(self, theorem: Theorem) -> ProofState:
        """Open `theorem` after its header; its root state. Ends any proof open before."""
        if theorem.backend != "lean":
            raise ConfigError(f"LeanEnv cannot start a {theorem.backend!r} theorem; use open_env({theorem.backend!r})")
        self._states.clear()
        self._repl_ids.clear()
        self._theorem = None
        root, goal = self._open(theorem)
        self._theorem = theorem
        state_id = self._states.add(())
        self._repl_ids[()] = root
        return ProofState(goals=(goal.to_goal(),), id=state_id)

    def _open(self, theorem: Theorem) -> tuple[int, LeanGoal]:
        """Elaborate header and ``statement := by sorry`` in the current REPL; the root's id and goal."""
        imports, rest = split_header(theorem.header)
        try:
            env = self._session.base_env(imports)
            if rest:
                reply = self._session.send(Command(rest, env), self.limits.startup_seconds)
                if isinstance(reply, ErrorReply) or (isinstance(reply, CommandReply) and reply.errors):
                    why = reply.message if isinstance(reply, ErrorReply) else reply.errors[0].data
                    raise EnvInitError(f"the header failed: {why}")
                if not isinstance(reply, CommandReply):
                    raise ProtocolError("the REPL answered a command with a tactic reply")
                env = reply.env
            opened = self._session.send(Command(f"{statement_head(theorem.statement)} := by sorry", env),
                                        self.limits.startup_seconds)
        except CallKilled as exc:
            raise StartupTimeout(f"the header or statement of {theorem.name!r} took over "
                                 f"{self.limits.startup_seconds:g}s") from exc
        self._env = env
        self._generation = self._session.generation
        return root_goal(opened, theorem.name)

    def run_tactic(self, state: ProofState, tactic: str, timeout: float | None = None) -> TacticResult:
        """Run `tactic` (one or more tactics, newline-separated) on `state`, any state of this proof."""
        path = self._states.node(state)
        if not tactic.strip():
            return TacticError("the tactic is empty")
        why = screen(tactic)
        if why is not None:
            return TacticError(f"not allowed in a proof: {why}")
        seconds = self.limits.tactic_seconds if timeout is None else timeout
        parent = self._repl_id(path)
        try:
            reply = self._session.send(Tactic(tactic, parent), seconds)
        except CallKilled:
            return TacticTimeout(seconds)
        except (EnvCrashed, ProtocolError) as exc:
            # The process is gone or was killed for garbling its output; the next call
            # respawns and replays, so this is the tactic's failure.
            memory = " (out of memory)" if getattr(exc, "out_of_memory", False) else ""
            return TacticError(f"the Lean REPL died running this tactic{memory}: {exc}")
        outcome = tactic_outcome(reply)
        if isinstance(outcome, TacticError):
            return outcome
        tactics = (*path, tactic)
        state_id = self._states.add(tactics)
        self._repl_ids[tactics] = outcome.proof_state
        if isinstance(outcome, Finished):
            return ProofFinished(id=state_id, depth=len(tactics), tactics=tactics)
        return ProofState(goals=tuple(g.to_goal() for g in outcome.goals), id=state_id, depth=len(tactics),
                          tactics=tactics)

    def _reopen_if_restarted(self, theorem: Theorem) -> None:
        """Open `theorem` again in a REPL that was respawned since it was opened (its ids are gone)."""
        if self._session.generation != self._generation or not self._session.alive():
            self._repl_ids.clear()
            self._repl_ids[()] = self._open(theorem)[0]

    def _repl_id(self, path: tuple[str, ...]) -> int:
        """The REPL's proof-state id for `path`, rebuilt by replay when the REPL was restarted."""
        assert self._theorem is not None
        self._reopen_if_restarted(self._theorem)
        known = max((n for n in range(len(path) + 1) if path[:n] in self._repl_ids), default=0)
        current = self._repl_ids[path[:known]]
        for index in range(known, len(path)):
            try:
                reply = self._session.send(Tactic(path[index], current), self.limits.proof_seconds)
            except (CallKilled, EnvCrashed) as exc:
                raise EnvCrashed(f"could not rebuild the parent state after a restart: {exc}") from exc
            outcome = tactic_outcome(reply)
            if isinstance(outcome, TacticError):
                raise ReplayError(f"tactic {path[index]!r} failed on replay: {outcome.message}")
            current = outcome.proof_state
            self._repl_ids[path[: index + 1]] = current
        return current

    def query(self, text: str) -> str:
        """Output of a read-only command (``#check``, ``#print``, ``#synth`` ...) after the header.

        Raises `QueryError` with Lean's message when the command fails.
        """
        command = text.strip()
        if not command.startswith(_QUERIES) or "\n" in command:
            raise QueryError(f"a query is one line starting with one of {', '.join(_QUERIES)}")
        argument = re.sub(r"^#print\s+axioms\b|^#\w+", "", command)
        why = screen(argument)
        if why is not None:
            raise QueryError(f"not allowed in a query: {why}")
        if self._theorem is None:
            raise QueryError("start a theorem first: queries run after its header")
        self._reopen_if_restarted(self._theorem)
        try:
            reply = self._session.send(Command(command, self._env), self.limits.tactic_seconds)
        except CallKilled as exc:
            raise QueryError(f"query {command!r} timed out") from exc
        if isinstance(reply, ErrorReply):
            raise QueryError(reply.message)
        if not isinstance(reply, CommandReply):
            raise ProtocolError("the REPL answered a command with a tactic reply")
        if reply.errors:
            raise QueryError("\n".join(m.data for m in reply.errors))
        return "\n".join(m.data for m in reply.messages)

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """Check a whole proof soundly, in this env's own separate checker REPL."""
        if theorem.backend != "lean":
            raise ConfigError(f"LeanEnv cannot check a {theorem.backend!r} theorem")
        return self._checker.check(theorem, proof)

    def proof_of(self, state: ProofState | ProofFinished) -> str:
        """The tactic script from the root to `state`, one tactic per line."""
        return "\n".join(self._states.node(state))