"""Z3 (z3-solver) for SMT-checkable facts: validity with a counter-model, satisfiability.

A fact is *valid* when its negation, together with the assumptions, is unsatisfiable; it
is *invalid* when Z3 finds a model of the assumptions that breaks it (the counter-model);
and *unknown* when Z3 gives up or runs out of time or memory. Every call is bounded by a
wall-clock timeout and a memory cap, so a hard nonlinear problem answers ``unknown``
instead of hanging. Terms must all live in one `z3.Context`: build each problem in a
fresh context (``z3.Context()``) so that calls on different threads never share one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import z3

from prover.errors import ConfigError

SmtStatus = Literal["valid", "invalid", "unknown"]
SatStatus = Literal["sat", "unsat", "unknown"]


@dataclass(frozen=True, slots=True)
class SmtLimits:
    """Bounds for one Z3 query."""

    seconds: float = 2.0
    """Wall-clock timeout; Z3 answers ``unknown`` when it runs out."""
    memory_mb: int = 512
    """Memory Z3 may use for the query (``max_memory``)."""

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ConfigError(f"SmtLimits.seconds must be positive, got {self.seconds!r}")
        if self.memory_mb < 16:
            raise ConfigError(f"SmtLimits.memory_mb must be at least 16, got {self.memory_mb!r}")


DEFAULT_SMT_LIMITS = SmtLimits()


@dataclass(frozen=True, slots=True)
class Assignment:
    """The value a counter-model gives one term (a variable, or a side of a relation)."""

    term: str
    value: str


@dataclass(frozen=True, slots=True)
class SmtResult:
    """The answer to a validity query."""

    status: SmtStatus
    counter_model: tuple[Assignment, ...] = ()
    """For ``invalid``: the variables' values, then the values of the terms asked for."""
    reason: str = ""
    """For ``unknown``: why Z3 gave up (Z3's own reason, e.g. ``timeout``)."""
    seconds: float = 0.0


def _solver(ctx: z3.Context, limits: SmtLimits) -> z3.Solver:
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", max(1, int(limits.seconds * 1000)))
    solver.set("max_memory", limits.memory_mb)
    return solver


def satisfiable(formulas: Sequence[z3.BoolRef], ctx: z3.Context,
                limits: SmtLimits = DEFAULT_SMT_LIMITS) -> SatStatus:
    """Whether the conjunction of `formulas` has a model."""
    solver = _solver(ctx, limits)
    solver.add(*formulas)
    return str(solver.check())  # type: ignore[return-value]  # z3 prints exactly sat/unsat/unknown


def check_valid(goal: z3.BoolRef, assumptions: Sequence[z3.BoolRef] = (), *,
                show: Sequence[tuple[str, z3.ExprRef]] = (),
                limits: SmtLimits = DEFAULT_SMT_LIMITS) -> SmtResult:
    """Is `goal` true in every model of `assumptions`? `show` names extra terms whose values a
    counter-model reports (the two sides of a false equation, say)."""
    started = time.monotonic()
    solver = _solver(goal.ctx, limits)
    solver.add(*assumptions)
    solver.add(z3.Not(goal))
    answer = solver.check()
    seconds = time.monotonic() - started
    if answer == z3.unsat:
        return SmtResult("valid", seconds=seconds)
    if answer == z3.sat:
        model = solver.model()
        values = [Assignment(str(d.name()), value_text(model[d])) for d in sorted(model.decls(), key=str)
                  if d.arity() == 0]
        values += [Assignment(name, value_text(model.eval(term, model_completion=True))) for name, term in show]
        return SmtResult("invalid", tuple(values), seconds=seconds)
    return SmtResult("unknown", reason=solver.reason_unknown() or "unknown", seconds=seconds)


def value_text(value: z3.ExprRef) -> str:
    """A model value as people write it: ``3``, ``-7/2``, or a decimal for an irrational number."""
    if z3.is_rational_value(value):
        frac = value.as_fraction()
        return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"
    if z3.is_algebraic_value(value):
        return value.as_decimal(8)
    return str(value)


def rational_value(value: str) -> tuple[int, int] | None:
    """``"-7/2"`` as (numerator, denominator); None for a value that is not a rational number."""
    num, _, den = value.partition("/")
    try:
        return int(num), int(den or "1")
    except ValueError:
        return None
