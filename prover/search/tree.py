"""The search tree shared by best-first and multi-perspective search.

`tree_search` owns the loop: pop a node from a `Frontier`, ask every policy for tactics,
run each (its own timeout), record every try as a `SearchStep`, push new states (a state
whose fingerprint was seen before is a ``duplicate`` and is not pushed again; this also
drops no-op tactics) and confirm every finished proof with `Env.check`. Searches differ only
in their frontier: which open node to expand next.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prover.envs.base import Env, ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.errors import ProverError
from prover.policies.automation import HAMMER_TACTICS, closer, unknown_tactic
from prover.policies.base import ProofAttempt, SearchStep, Status, Suggestion, TacticPolicy
from prover.search.budget import Budget, Meter


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """An open state in the tree, with the path score that reached it."""

    state: ProofState
    logprob: float
    """Sum of the suggestion scores along the path from the root."""
    step: int | None
    """Index of the `SearchStep` that produced it; None for the root."""
    tactic: str | None = None
    repeats: int = 0
    """Tactics on the path that repeat an earlier tactic of the same path."""
    path_tactics: frozenset[str] = frozenset()


class Frontier(Protocol):
    """The open nodes of a search and the order they are expanded in."""

    def push(self, node: Node) -> None: ...

    def pop(self) -> Node | None:
        """The next node to expand, or None when none is left."""
        ...


@dataclass(frozen=True, slots=True)
class PolicySlot:
    """A policy and how many suggestions to ask it for per state."""

    policy: TacticPolicy
    k: int


@dataclass(frozen=True, slots=True)
class TreeSettings:
    """How each state is expanded."""

    per_tactic_seconds: float = 2.0
    hammer_seconds: float = 10.0
    """Timeout of the tactics in `HAMMER_TACTICS` (they call external provers)."""
    hammer_max_depth: int = 0
    """Deepest state on which those tactics run (0: the root only; they are slow)."""
    max_depth: int = 30
    hammer_after: float = 0.0
    """Seconds of search before those tactics run (0: when their node is expanded). Most
    proofs a search finds take it a few seconds, and a hammer call that fails costs its
    whole timeout, so the cheap tactics go first; they run earlier if the tree runs out."""


DEFAULT_TREE_SETTINGS = TreeSettings()


class _Run:
    """The mutable record of one search: its tree, meter and outcome so far."""

    def __init__(self, env: Env, theorem: Theorem, meter: Meter) -> None:
        self.env = env
        self.theorem = theorem
        self.meter = meter
        self.steps: list[SearchStep] = []
        self.seen: set[str] = set()
        self.unknown: set[str] = set()
        self.tokens = 0
        self.deepest: ProofState | None = None
        self.reason = "the search tree was exhausted without a proof"
        self.deferred: list[tuple[Node, Suggestion]] = []
        """Slow tactics waiting for `TreeSettings.hammer_after`, with the node they are for."""

    def attempt(self, status: Status, reason: str, t0: float, proof: str | None = None,
                axioms: tuple[str, ...] = ()) -> ProofAttempt:
        deepest = None if status == "solved" or self.deepest is None else str(self.deepest)
        return ProofAttempt(self.theorem.key, status, proof, reason, time.monotonic() - t0,
                            self.meter.tactic_calls, self.meter.expansions, self.tokens, axioms, deepest,
                            tuple(self.steps))


def merged_suggestions(state: ProofState, theorem: Theorem, slots: Sequence[PolicySlot]) -> list[Suggestion]:
    """Every policy's suggestions, one per tactic text (the best-scored), best first, `HAMMER_TACTICS` last."""
    best: dict[str, Suggestion] = {}
    for slot in slots:
        for suggestion in slot.policy.suggest(state, theorem, slot.k):
            key = " ".join(suggestion.tactic.split())
            if key not in best or suggestion.score > best[key].score:
                best[key] = suggestion
    # slow external-prover calls go last, so one of them cannot starve every cheap tactic
    return sorted(best.values(), key=lambda s: (s.tactic in HAMMER_TACTICS, -s.score))


def tree_search(env: Env, theorem: Theorem, slots: Sequence[PolicySlot], frontier: Frontier, budget: Budget,
                settings: TreeSettings = DEFAULT_TREE_SETTINGS, root: ProofState | None = None) -> ProofAttempt:
    """Search for a proof of `theorem`, expanding nodes in `frontier` order, within `budget`.

    The search starts at `root` (a state of `env`'s current proof of `theorem`), else at the
    theorem's start; the proof it returns runs from the theorem's start either way. The
    budget's clock starts once the theorem is open (a library file's header is loaded once
    per warm env and is not search time; `seconds` includes it). Never raises `ProverError`:
    infrastructure failures give ``status="error"``.
    """
    t0 = time.monotonic()
    run = _Run(env, theorem, Meter(budget))
    try:
        root = env.start(theorem) if root is None else root
        run.meter = Meter(budget)
        run.seen.add(root.fingerprint)
        run.deepest = root
        frontier.push(Node(root, 0.0, None))
        while (why := run.meter.exhausted()) is None:
            due = bool(run.deferred) and run.meter.elapsed() >= settings.hammer_after
            node = None if due else frontier.pop()
            if node is None and run.deferred:
                waiting, suggestion = run.deferred.pop(0)
                solved = _try(run, waiting, suggestion, frontier, settings)
                if solved is not None:
                    return run.attempt("solved", "accepted", t0, solved[0], solved[1])
                continue
            if node is None:
                return run.attempt("failed", run.reason, t0)
            if node.state.depth >= settings.max_depth:
                continue
            run.meter.expansions += 1
            solved = _expand(run, node, slots, frontier, settings)
            if solved is not None:
                return run.attempt("solved", "accepted", t0, solved[0], solved[1])
        return run.attempt("timeout", f"{why} after {run.meter.tactic_calls} tactic call(s)", t0)
    except ProverError as exc:
        return run.attempt("error", f"{type(exc).__name__}: {exc}", t0)


def _expand(run: _Run, node: Node, slots: Sequence[PolicySlot], frontier: Frontier,
            settings: TreeSettings) -> tuple[str, tuple[str, ...]] | None:
    """Run every suggestion on `node`; the (proof, axioms) `check` accepted, if one was found."""
    suggestions = merged_suggestions(node.state, run.theorem, slots)
    run.tokens += sum(s.tokens for s in suggestions)
    for suggestion in suggestions:
        hammer = suggestion.tactic in HAMMER_TACTICS
        if hammer and node.state.depth > settings.hammer_max_depth:
            continue
        if run.meter.exhausted() is not None:
            return None
        if hammer and run.meter.elapsed() < settings.hammer_after:
            run.deferred.append((node, suggestion))
            continue
        solved = _try(run, node, suggestion, frontier, settings)
        if solved is not None:
            return solved
    return None


def _try(run: _Run, node: Node, suggestion: Suggestion, frontier: Frontier,
         settings: TreeSettings) -> tuple[str, tuple[str, ...]] | None:
    """Run one suggestion on `node` and record it; the (proof, axioms) `check` accepted, if it finished."""
    tactic = suggestion.tactic
    if closer(tactic) in run.unknown:
        return None
    limit = settings.hammer_seconds if tactic in HAMMER_TACTICS else settings.per_tactic_seconds
    started = time.monotonic()
    result = run.env.run_tactic(node.state, tactic, timeout=run.meter.timeout(limit))
    run.meter.tactic_calls += 1
    ms = (time.monotonic() - started) * 1000
    if isinstance(result, ProofFinished):
        run.steps.append(SearchStep(tactic, suggestion.policy, "finished", ms, None, node.step))
        return _confirm(run, result)
    if isinstance(result, ProofState):
        _add_child(run, node, suggestion, result, ms, frontier)
        return None
    outcome = "timeout" if isinstance(result, TacticTimeout) else "error"
    run.steps.append(SearchStep(tactic, suggestion.policy, outcome, ms, None, node.step))
    if isinstance(result, TacticError) and suggestion.policy == "automation" and unknown_tactic(result.message):
        run.unknown.add(closer(tactic))
    return None


def _add_child(run: _Run, node: Node, suggestion: Suggestion, state: ProofState, ms: float,
               frontier: Frontier) -> None:
    fingerprint = state.fingerprint
    if fingerprint in run.seen:
        run.steps.append(SearchStep(suggestion.tactic, suggestion.policy, "duplicate", ms, fingerprint, node.step))
        return
    run.seen.add(fingerprint)
    run.steps.append(SearchStep(suggestion.tactic, suggestion.policy, "state", ms, fingerprint, node.step))
    key = " ".join(suggestion.tactic.split())
    repeats = node.repeats + (key in node.path_tactics)
    frontier.push(Node(state, node.logprob + suggestion.score, len(run.steps) - 1, suggestion.tactic, repeats,
                       node.path_tactics | {key}))
    if run.deepest is None or state.depth > run.deepest.depth:
        run.deepest = state


def _confirm(run: _Run, finished: ProofFinished) -> tuple[str, tuple[str, ...]] | None:
    """Check the proof that closed every goal; its (proof, axioms) when `check` accepts it."""
    verdict = run.env.check(run.theorem, finished.proof)
    run.meter.tactic_calls += 1
    if verdict.accepted:
        return finished.proof, verdict.axioms
    run.reason = f"a proof closed every goal but check rejected it: {verdict.reason}"
    return None
