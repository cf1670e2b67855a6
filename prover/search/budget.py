"""The budget every search honours: wall seconds, states expanded, tactics run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prover.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one search; whichever runs out first ends it."""

    seconds: float
    max_expansions: int = 200
    max_tactic_calls: int = 2000

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ConfigError(f"Budget.seconds must be positive, got {self.seconds!r}")
        if self.max_expansions < 1 or self.max_tactic_calls < 1:
            raise ConfigError("Budget.max_expansions and Budget.max_tactic_calls must be at least 1")


class Meter:
    """What a running search has spent of its `Budget`; the clock starts at construction."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.deadline = self.started + budget.seconds
        self.expansions = 0
        self.tactic_calls = 0

    def left(self) -> float:
        """Wall seconds left (negative once over)."""
        return self.deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self) -> str | None:
        """Why the budget is spent, or None while something is left."""
        if self.left() <= 0.05:
            return f"the budget of {self.budget.seconds:g} s ran out"
        if self.tactic_calls >= self.budget.max_tactic_calls:
            return f"the budget of {self.budget.max_tactic_calls} tactic calls ran out"
        if self.expansions >= self.budget.max_expansions:
            return f"the budget of {self.budget.max_expansions} expansions ran out"
        return None

    def timeout(self, limit: float) -> float:
        """A per-call timeout: `limit`, cut to the wall time left."""
        return max(0.1, min(limit, self.left()))
