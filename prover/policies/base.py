"""What every policy and prover speaks: suggestions, whole-proof samples, search steps, attempts.

A *tactic policy* proposes next tactics for a proof state; a *proof policy* proposes whole
proofs for a theorem; a *prover* (what `prover eval` runs) turns policies and a search into
one `ProofAttempt` per theorem. These types cross process boundaries (Ray) and map onto
store rows, so they are frozen and picklable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from prover.envs.base import Env, ProofState, Theorem

Status = Literal["solved", "failed", "timeout", "error"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed next tactic. `score` is a log-probability (or a log-scale score) so that
    scores along a path add up; `policy` names who proposed it."""

    tactic: str
    score: float
    policy: str
    tokens: int = 0
    """Tokens a model spent producing it (prompt and completion), 0 for non-model policies."""


@dataclass(frozen=True, slots=True)
class ProofSample:
    """A proposed whole proof (a tactic script, without ``Proof.``/``Qed.``)."""

    proof: str
    score: float
    policy: str
    tokens: int = 0


@runtime_checkable
class TacticPolicy(Protocol):
    """Proposes up to `k` next tactics for `state`, best first."""

    name: str

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]: ...


@runtime_checkable
class ProofPolicy(Protocol):
    """Proposes `n` whole proofs for `theorem`."""

    name: str

    def sample(self, theorem: Theorem, n: int) -> list[ProofSample]: ...


@dataclass(frozen=True, slots=True)
class SearchStep:
    """One tactic tried during search. `parent` is the index of its parent in the same list."""

    tactic: str
    policy: str
    outcome: str
    """E.g. ``state``, ``finished``, ``error``, ``timeout``, ``duplicate``."""
    ms: float = 0.0
    state_fingerprint: str | None = None
    """`ProofState.fingerprint` of the state the tactic produced, if any."""
    parent: int | None = None
    """Index (in the same list) of the step it followed; None at the root."""


@dataclass(frozen=True, slots=True)
class ProofAttempt:
    """The outcome of one prover on one theorem."""

    theorem: str
    """The theorem's `Theorem.key`."""
    status: Status
    """``solved`` (a proof `check` accepted), ``failed`` (nothing worked), ``timeout`` (the
    budget ran out first) or ``error`` (infrastructure failed; `reason` says how)."""
    proof: str | None
    """The accepted proof script, when solved."""
    reason: str
    """``"accepted"`` when solved, else why not (last verdict reason, error message, ...)."""
    seconds: float
    tactic_calls: int
    expansions: int = 0
    """States expanded by the search (0 for provers that do not search)."""
    tokens: int = 0
    """Model tokens spent, 0 without a model."""
    axioms: tuple[str, ...] = ()
    """Axioms of the accepted proof (`Verdict.axioms`)."""
    deepest: str | None = None
    """When not solved: the deepest state reached, as text (for the report)."""
    steps: tuple[SearchStep, ...] = ()
    """The search tree, in the order steps were tried."""

    @property
    def solved(self) -> bool:
        return self.status == "solved"


@runtime_checkable
class Prover(Protocol):
    """Something that tries to prove one theorem in a warm env within a time budget."""

    name: str

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        """Try to prove `theorem` in `env` within about `budget_seconds`; never raises for
        infrastructure errors (they become ``status="error"``)."""
        ...
