"""The automation baseline: a portfolio of closing tactics tried on the root state.

Each tactic of `PORTFOLIO_COQ` is tried, cheapest first, on the theorem's root state with
its own small timeout; the first that closes every goal *and* whose proof `Env.check`
accepts wins. Nothing is added to the theorem's header (``Require`` is refused inside a
proof), so tactics from libraries the header does not load simply fail fast with an
unknown-tactic error and the next one is tried:

- ``lia``/``nia`` need ``Require Import Lia.`` (or ``Psatz``) in the header;
- ``sauto`` needs ``From Hammer Require Import Tactics.`` (or ``Hammer``) in the header;
- ``hammer`` needs ``From Hammer Require Import Hammer.`` and the ATPs (eprover, cvc4,
  vampire, z3; ``htimeout`` on PATH, which `CoqEnv` arranges). It is last and gets the
  larger `hammer_seconds` timeout because it calls external provers.

A tactic that fails because it is unknown (its library is not loaded) also skips its
``intros; ...`` variant.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prover.envs.base import Env, ProofFinished, ProofState, TacticError, TacticTimeout, Theorem
from prover.errors import ProverError
from prover.policies.base import ProofAttempt, ProofSample, Status, Suggestion

if TYPE_CHECKING:
    from prover.retrieval import PremiseRetriever

PORTFOLIO_COQ: tuple[str, ...] = (
    "reflexivity.",
    "assumption.",
    "intros; reflexivity.",
    "trivial.",
    "auto.",
    "intuition.",
    "congruence.",
    "intros; congruence.",
    "lia.",
    "nia.",
    "firstorder.",
    "eauto.",
    "intros; subst; auto.",
    "auto with *.",
    "sauto.",
    "intros; sauto.",
    "hammer.",
)
"""Closing tactics, cheapest first. ``lia``/``nia``/``sauto``/``hammer`` only work when the
theorem's header loads their library (see the module docstring)."""

HAMMER_TACTICS: frozenset[str] = frozenset({"hammer."})
"""Tactics that call external provers and get `hammer_seconds` instead of the per-tactic timeout."""

_UNKNOWN_MARKERS = ("was not found in the current environment", "Syntax error", "Unknown tactic",
                    "is not a tactic", "No such tactic")


class AutomationPolicy:
    """The portfolio as tactic suggestions, with decreasing scores (cheapest first).

    With `premises` (a `prover.retrieval.PremiseRetriever` directory, loaded on first use)
    it also proposes ``sauto use: P1, ..., Pn.`` with the premises retrieved for the
    state's goals, after the plain portfolio (``sauto`` must be loaded by the header, as
    for plain ``sauto``).
    """

    name = "automation"

    def __init__(self, portfolio: tuple[str, ...] = PORTFOLIO_COQ, premises: str | None = None,
                 num_premises: int = 6) -> None:
        self.portfolio = tuple(portfolio)
        self.premises = premises
        self.num_premises = num_premises
        self._retriever: PremiseRetriever | None = None

    def __getstate__(self) -> tuple[tuple[str, ...], str | None, int]:
        return self.portfolio, self.premises, self.num_premises  # the retriever reloads where unpickled

    def __setstate__(self, state: tuple[tuple[str, ...], str | None, int]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        """The first `k` portfolio tactics, scores from 0 down, then ``sauto use:`` with
        retrieved premises when there is a retriever."""
        del theorem
        n = len(self.portfolio)
        ranked = [Suggestion(tactic, -i / n, self.name) for i, tactic in enumerate(self.portfolio[: max(0, k)])]
        if self.premises is not None and k > 0 and state.goals:
            names = self.retrieved(state)
            if names:
                ranked.append(Suggestion(f"sauto use: {', '.join(names)}.", -1.0, self.name))
        return ranked

    def retrieved(self, state: ProofState) -> list[str]:
        """Names of the premises retrieved for `state`'s goals (qualified, as ``sauto use:`` takes them)."""
        from prover.retrieval import PremiseRetriever, goal_query

        if self._retriever is None:
            assert self.premises is not None
            self._retriever = PremiseRetriever.load(self.premises)
        return [p.name for p in self._retriever.retrieve(goal_query(state.goals), k=self.num_premises)]

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]:
        """The first `n` portfolio tactics as one-line whole proofs (for first-finish search)."""
        del theorem
        size = len(self.portfolio)
        return [ProofSample(tactic, -i / size, self.name) for i, tactic in enumerate(self.portfolio[: max(0, n)])]


def unknown_tactic(message: str) -> bool:
    """Whether a tactic failed because its library is not loaded (or it does not exist)."""
    return any(marker in message for marker in _UNKNOWN_MARKERS)


def closer(tactic: str) -> str:
    """The tactic an ``intros; X.`` variant relies on: ``X.``."""
    return tactic.rsplit(";", 1)[-1].strip() if tactic.startswith("intros") else tactic


def prove_with_portfolio(env: Env, theorem: Theorem, budget_seconds: float, per_tactic_seconds: float = 2.0,
                         portfolio: tuple[str, ...] = PORTFOLIO_COQ,
                         hammer_seconds: float = 10.0) -> ProofAttempt:
    """Try each portfolio tactic on the root state of `theorem` within `budget_seconds`.

    The budget starts once the theorem is open: loading its header (a library file's
    context, paid once per file by a warm env) is not search time, though `seconds`
    includes it. Each tactic gets ``min(per_tactic_seconds, time left)`` (hammer:
    `hammer_seconds`); a tactic that closes the proof is confirmed with ``env.check``.
    Infrastructure errors (`ProverError`) give ``status="error"``; nothing here raises them.
    """
    t0 = time.monotonic()
    deadline = t0 + budget_seconds
    calls = 0
    reason = "no tactic of the portfolio closed the goal"

    def done(status: Status, why: str, proof: str | None = None) -> ProofAttempt:
        return ProofAttempt(theorem.key, status, proof, why, time.monotonic() - t0, calls)

    try:
        root = env.start(theorem)
        deadline = time.monotonic() + budget_seconds
        unknown: set[str] = set()
        for tactic in portfolio:
            if closer(tactic) in unknown:
                continue
            left = deadline - time.monotonic()
            if left <= 0.05:
                return done("timeout", f"the budget of {budget_seconds:g} s ran out after {calls} tactic(s)")
            limit = hammer_seconds if tactic in HAMMER_TACTICS else per_tactic_seconds
            result = env.run_tactic(root, tactic, timeout=max(0.1, min(limit, left)))
            calls += 1
            if isinstance(result, TacticError):
                if unknown_tactic(result.message):
                    unknown.add(closer(tactic))
                continue
            if isinstance(result, TacticTimeout | ProofState):
                continue
            assert isinstance(result, ProofFinished)
            verdict = env.check(theorem, result.proof)
            if verdict.accepted:
                return done("solved", verdict.reason, result.proof)
            reason = f"{tactic} closed the goals but check rejected it: {verdict.reason}"
        if time.monotonic() >= deadline:
            return done("timeout", f"the budget of {budget_seconds:g} s ran out after {calls} tactic(s)")
        return done("failed", reason)
    except ProverError as exc:
        return done("error", f"{type(exc).__name__}: {exc}")


class AutomationProver:
    """The default baseline prover: `prove_with_portfolio` with fixed settings."""

    name = "automation"

    def __init__(self, per_tactic_seconds: float = 2.0, portfolio: tuple[str, ...] = PORTFOLIO_COQ,
                 hammer_seconds: float = 10.0) -> None:
        self.per_tactic_seconds = per_tactic_seconds
        self.portfolio = portfolio
        self.hammer_seconds = hammer_seconds

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        return prove_with_portfolio(env, theorem, budget_seconds, self.per_tactic_seconds,
                                    self.portfolio, self.hammer_seconds)
