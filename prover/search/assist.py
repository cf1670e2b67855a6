"""Assistance for people at a proof state, as Lean Copilot offers: suggest, premises, search.

- `suggest`: the configured policies' tactics for a state, each already run, with the goals
  it leaves (or why it failed), those that make progress first;
- `premises`: premises a `prover.retrieval.PremiseRetriever` ranks first for the state's goals;
- `search_from`: the configured tree search from the state; its proof runs from the
  theorem's start and `Env.check` has accepted it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prover.envs.base import Env, ProofFinished, ProofState, TacticError, TacticResult, TacticTimeout, Theorem
from prover.errors import ConfigError
from prover.policies.base import ProofAttempt, Suggestion
from prover.search.tree import PolicySlot, merged_suggestions

if TYPE_CHECKING:
    from prover.config import ProverConfig
    from prover.retrieval import PremiseRetriever, RetrievedPremise


@dataclass(frozen=True, slots=True)
class TriedSuggestion:
    """A suggestion and what running it on the state gave."""

    suggestion: Suggestion
    result: TacticResult
    ms: float

    @property
    def progress(self) -> bool:
        """True when it closed the proof or gave a new state (not an error or timeout)."""
        return isinstance(self.result, ProofState | ProofFinished)


def suggest(env: Env, state: ProofState, theorem: Theorem, slots: Sequence[PolicySlot],
            timeout: float = 2.0, limit: int = 10) -> list[TriedSuggestion]:
    """Up to `limit` suggestions for `state`, each run with `timeout`: finished first, then
    new states, then failures, each group best-scored first. A suggestion that leaves the
    state unchanged counts as a failure (it makes no progress)."""
    tried: list[TriedSuggestion] = []
    for suggestion in merged_suggestions(state, theorem, slots)[:limit]:
        started = time.monotonic()
        result = env.run_tactic(state, suggestion.tactic, timeout=timeout)
        if isinstance(result, ProofState) and result.fingerprint == state.fingerprint:
            result = TacticError("no progress: the state is unchanged")
        tried.append(TriedSuggestion(suggestion, result, (time.monotonic() - started) * 1000))
    rank = {ProofFinished: 0, ProofState: 1, TacticTimeout: 2, TacticError: 3}
    return sorted(tried, key=lambda t: rank[type(t.result)])


def premises(retriever: PremiseRetriever, state: ProofState, k: int = 10) -> list[RetrievedPremise]:
    """The `k` premises `retriever` ranks first for the goals of `state`."""
    from prover.retrieval import goal_query

    return list(retriever.retrieve(goal_query(state.goals), k=k))


def search_from(env: Env, theorem: Theorem, state: ProofState, config: ProverConfig, seconds: float) -> ProofAttempt:
    """Run `config`'s tree search from `state` for `seconds` (an ``automation`` config tries
    its portfolio on `state` only; ``ffs`` samples whole proofs and cannot start mid-proof)."""
    from prover.config import SEARCH_TARGETS, load_class
    from prover.search.best_first import BestFirstSearch
    from prover.search.common import settings_from_config, slots_from_config

    kind = config.search.kind
    if kind == "ffs":
        raise ConfigError(f"config {config.name} uses first-finish search, which samples whole proofs from the "
                          f"theorem's start; choose a config with a tree search (best_first, mps)")
    if kind == "automation":
        searcher = BestFirstSearch(slots_from_config(config), settings_from_config(config.search), max_expansions=1)
    else:
        searcher = load_class(SEARCH_TARGETS[kind]).from_config(config)
    attempt: ProofAttempt = searcher.attempt_from(env, theorem, state, seconds)
    return attempt
