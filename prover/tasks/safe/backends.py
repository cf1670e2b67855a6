"""Verifiers for claims: Z3 (exact real arithmetic) and Coq (``lia``/``nia``, ``lra``/``nra``/``field``).

Both read the same `Claim`: its relation must hold for all real values of its variables
that satisfy its hypotheses and keep every divisor non-zero. Z3 proves it by finding the
negation unsatisfiable and refutes it with a counter-model. Coq proves it with a small
tactic portfolio through the sound `Env.check`; it refutes a claim by proving its negation,
instantiated at Z3's counter-model when the claim has variables (so a Coq refutation is a
kernel-checked confirmation of Z3's). A claim whose divisor is zero under the hypotheses
is refuted: it says nothing true.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol, runtime_checkable

import z3

from prover.envs.base import Env, Theorem
from prover.envs.smt import (
    DEFAULT_SMT_LIMITS,
    Assignment,
    SmtLimits,
    check_valid,
    rational_value,
    satisfiable,
)
from prover.tasks.safe.expr import (
    APPROX_TOLERANCE,
    BinOp,
    Claim,
    Expr,
    Neg,
    Num,
    Pow,
    Relation,
    divisors,
    is_integral,
    number_text,
    render,
    variables,
)

Outcome = Literal["proved", "refuted", "undecided"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one backend said about one claim."""

    backend: str
    outcome: Outcome
    detail: str = ""
    """Why: the counter-model in words, the tactic that closed it, or why it gave up."""
    counter_model: tuple[Assignment, ...] = ()
    seconds: float = 0.0


@runtime_checkable
class Verifier(Protocol):
    """Checks one claim."""

    name: str

    def verify(self, claim: Claim, witness: tuple[Assignment, ...] = ()) -> Evidence:
        """`witness`: a counter-model another backend found, for a backend that cannot search."""
        ...


def z3_term(term: Expr, env: dict[str, z3.ArithRef], ctx: z3.Context) -> z3.ArithRef:
    """`term` as a Z3 real term; `env` maps variable names to Z3 constants (filled as needed)."""
    match term:
        case Num(value):
            return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)
        case Neg(arg):
            return -z3_term(arg, env, ctx)
        case Pow(base, exponent):
            b = z3_term(base, env, ctx)
            out = z3.RealVal(1, ctx)
            for _ in range(exponent):
                out = out * b
            return out
        case BinOp(op, left, right):
            lhs, rhs = z3_term(left, env, ctx), z3_term(right, env, ctx)
            return {"+": lhs + rhs, "-": lhs - rhs, "*": lhs * rhs, "/": lhs / rhs}[op]
    if term.name not in env:
        env[term.name] = z3.Real(term.name, ctx)
    return env[term.name]


def z3_relation(rel: Relation, env: dict[str, z3.ArithRef], ctx: z3.Context) -> z3.BoolRef:
    lhs, rhs = z3_term(rel.left, env, ctx), z3_term(rel.right, env, ctx)
    if rel.op == "~":
        tolerance = z3.RealVal(number_text(APPROX_TOLERANCE), ctx)
        gap = lhs - rhs
        scale = z3.If(rhs >= 0, rhs, -rhs)
        return z3.And(gap <= tolerance * scale, -gap <= tolerance * scale)
    return {"=": lhs == rhs, "!=": lhs != rhs, "<": lhs < rhs, "<=": lhs <= rhs,
            ">": lhs > rhs, ">=": lhs >= rhs}[rel.op]


class Z3Verifier:
    """Exact real arithmetic with Z3 (nonlinear included), bounded by `limits`."""

    name = "z3"

    def __init__(self, limits: SmtLimits = DEFAULT_SMT_LIMITS) -> None:
        self.limits = limits

    def verify(self, claim: Claim, witness: tuple[Assignment, ...] = ()) -> Evidence:
        started = time.monotonic()
        ctx = z3.Context()
        env: dict[str, z3.ArithRef] = {}
        hyps = [z3_relation(h, env, ctx) for h in claim.hypotheses]
        nonzero = [z3_term(d, env, ctx) != 0 for d in divisors(claim.relation, *claim.hypotheses)]
        if nonzero and satisfiable([*hyps, *nonzero], ctx, self.limits) == "unsat":
            return Evidence(self.name, "refuted", "divides by zero", seconds=time.monotonic() - started)
        goal = z3_relation(claim.relation, env, ctx)
        show = [(f"left {render(claim.relation.left)}", z3_term(claim.relation.left, env, ctx)),
                (f"right {render(claim.relation.right)}", z3_term(claim.relation.right, env, ctx))]
        result = check_valid(goal, [*hyps, *nonzero], show=show, limits=self.limits)
        seconds = time.monotonic() - started
        if result.status == "valid":
            return Evidence(self.name, "proved", "negation unsatisfiable", seconds=seconds)
        if result.status == "invalid":
            detail = ", ".join(f"{a.term} = {a.value}" for a in result.counter_model)
            return Evidence(self.name, "refuted", detail, result.counter_model, seconds)
        return Evidence(self.name, "undecided", f"z3: {result.reason}", seconds=seconds)


R_HEADER = "Require Import Reals Lra Psatz.\nOpen Scope R_scope."
Z_HEADER = "Require Import ZArith Lia.\nOpen Scope Z_scope."
_R_PROVE = "intros; solve [lra | field | nra | (field; assumption)]."
_R_REFUTE = "intro H; solve [lra | nra | (field_simplify in H; lra)]."
_R_ZERO = "intros; repeat match goal with H : _ /\\ _ |- _ => destruct H end; solve [lra | nra]."
_Z_PROVE = "solve [lia | nia]."
_Z_REFUTE = "intro H; solve [lia | nia]."
_COQ_RELATION = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def coq_term(term: Expr) -> str:
    """`term` in Coq syntax (R or Z scope alike; variables get a ``v_`` prefix to avoid clashes)."""
    match term:
        case Num(value):
            text = str(abs(value.numerator)) if value.denominator == 1 else (
                f"({abs(value.numerator)} / {value.denominator})")
            return f"(- {text})" if value < 0 else text
        case Neg(arg):
            return f"(- {coq_term(arg)})"
        case Pow(base, exponent):
            return f"({coq_term(base)} ^ {exponent})"
        case BinOp(op, left, right):
            return f"({coq_term(left)} {op} {coq_term(right)})"
    return f"v_{term.name}"


def _coq_relation(rel: Relation) -> str:
    return f"{coq_term(rel.left)} {_COQ_RELATION[rel.op]} {coq_term(rel.right)}"


def coq_statement(claim: Claim) -> tuple[str, str] | None:
    """(header, proposition) stating `claim` in Coq, or None when Coq cannot state it here."""
    rels = (claim.relation, *claim.hypotheses)
    if any(r.op == "~" for r in rels):
        return None  # "approximately" needs Rabs, which the tactic portfolio does not handle
    premises = [*map(_coq_relation, claim.hypotheses),
                *(f"{coq_term(d)} <> 0" for d in divisors(*rels))]
    body = " -> ".join([*premises, _coq_relation(claim.relation)])
    names = sorted(variables(*rels))
    if not names and is_integral(*rels):
        return Z_HEADER, body
    return R_HEADER, (f"forall {' '.join(f'v_{n}' for n in names)} : R, {body}" if names else body)


class CoqVerifier:
    """Coq through a caller-owned `Env` (keep one warm for many claims)."""

    name = "coq"

    def __init__(self, env: Env) -> None:
        self.env = env

    def verify(self, claim: Claim, witness: tuple[Assignment, ...] = ()) -> Evidence:
        started = time.monotonic()
        stated = coq_statement(claim)
        if stated is None:
            return Evidence(self.name, "undecided", "Coq cannot state `~` (approximately) claims here")
        header, prop = stated
        integer = header == Z_HEADER
        if divisors(claim.relation, *claim.hypotheses) and self._divides_by_zero(claim):
            return Evidence(self.name, "refuted", "divides by zero", seconds=time.monotonic() - started)
        proved = self.env.check(Theorem("safe_claim", f"Theorem safe_claim : {prop}.", header),
                                _Z_PROVE if integer else _R_PROVE)
        if proved.accepted:
            return Evidence(self.name, "proved", "closed by the lia/nia or lra/field/nra portfolio",
                            seconds=time.monotonic() - started)
        negation = _negation(claim, prop, witness)
        if negation is not None:
            refuted = self.env.check(Theorem("safe_claim_neg", f"Theorem safe_claim_neg : ~ ({negation}).", header),
                                     _Z_REFUTE if integer else _R_REFUTE)
            if refuted.accepted:
                return Evidence(self.name, "refuted", "Coq proved the negation" + (
                    " at the counter-model" if variables(claim.relation, *claim.hypotheses) else ""),
                    seconds=time.monotonic() - started)
        return Evidence(self.name, "undecided", f"neither the claim nor its negation closed: {proved.reason}",
                        seconds=time.monotonic() - started)


    def _divides_by_zero(self, claim: Claim) -> bool:
        """Coq proves some divisor zero under the hypotheses (else `d <> 0` premises make it vacuous)."""
        rels = (claim.relation, *claim.hypotheses)
        nonzero = " /\\ ".join(f"{coq_term(d)} <> 0" for d in divisors(*rels))
        body = " -> ".join([*map(_coq_relation, claim.hypotheses), f"~ ({nonzero})"])
        names = sorted(variables(*rels))
        prop = f"forall {' '.join(f'v_{n}' for n in names)} : R, {body}" if names else body
        theorem = Theorem("safe_claim_zero", f"Theorem safe_claim_zero : {prop}.", R_HEADER)
        return self.env.check(theorem, _R_ZERO).accepted


def _negation(claim: Claim, prop: str, witness: tuple[Assignment, ...]) -> str | None:
    """The proposition to refute: the claim itself when ground, else the claim at the witness
    (not P(c) implies not (forall x, P x), so refuting the instance refutes the claim)."""
    names = sorted(variables(claim.relation, *claim.hypotheses))
    if not names:
        return prop
    values = {a.term: rational_value(a.value) for a in witness}
    point: dict[str, Fraction] = {}
    for name in names:
        value = values.get(name, (0, 1))  # a variable the model leaves free may take any value
        if value is None:
            return None  # an irrational witness has no literal the portfolio can compute with
        point[name] = Fraction(*value)
    rels = (claim.relation, *claim.hypotheses)
    instance = [_substitute(r, point) for r in rels]
    premises = [*map(_coq_relation, instance[1:]), *(f"{coq_term(d)} <> 0" for d in divisors(*instance))]
    return " -> ".join([*premises, _coq_relation(instance[0])])


def _substitute(rel: Relation, point: dict[str, Fraction]) -> Relation:
    def sub(term: Expr) -> Expr:
        match term:
            case Num():
                return term
            case Neg(arg):
                return Neg(sub(arg))
            case Pow(base, exponent):
                return Pow(sub(base), exponent)
            case BinOp(op, left, right):
                return BinOp(op, sub(left), sub(right))
        return Num(point[term.name])

    return Relation(rel.op, sub(rel.left), sub(rel.right))


def consistent(relations: tuple[Relation, ...], limits: SmtLimits = DEFAULT_SMT_LIMITS) -> bool:
    """False only when Z3 shows the relations (with their divisors non-zero) have no common solution."""
    ctx = z3.Context()
    env: dict[str, z3.ArithRef] = {}
    formulas = [z3_relation(r, env, ctx) for r in relations]
    formulas += [z3_term(d, env, ctx) != 0 for d in divisors(*relations)]
    return satisfiable(formulas, ctx, limits) != "unsat"
