"""Arithmetic and algebraic claims as terms: the formal language of the rule-based formaliser.

Numbers are exact rationals (``0.15`` is 15/100, ``150%`` is 150/100); variables are single
letters over the reals; powers have a literal whole exponent. A `Relation` compares two
terms; a `Claim` is a relation under hypotheses (``if 2x + 3 = 11 then x = 4``). Both Z3
and Coq read these terms (`prover.tasks.safe.backends`), so the two verifiers check the
very same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

BinaryOp = Literal["+", "-", "*", "/"]
RelationOp = Literal["=", "!=", "<", "<=", ">", ">=", "~"]
"""``~`` is "approximately": equal within 1% (written ``≈`` in solutions)."""

APPROX_TOLERANCE = Fraction(1, 100)


@dataclass(frozen=True, slots=True)
class Num:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    arg: Expr


@dataclass(frozen=True, slots=True)
class BinOp:
    op: BinaryOp
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Pow:
    base: Expr
    exponent: int
    """A literal whole number (the parser bounds it)."""


Expr = Num | Var | Neg | BinOp | Pow


@dataclass(frozen=True, slots=True)
class Relation:
    op: RelationOp
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"{render(self.left)} {self.op} {render(self.right)}"


@dataclass(frozen=True, slots=True)
class Claim:
    """`relation` holds for every value of its variables that satisfies `hypotheses`."""

    relation: Relation
    hypotheses: tuple[Relation, ...] = ()
    source: str = ""
    """The span of the step's text it was read from."""

    def __str__(self) -> str:
        if not self.hypotheses:
            return str(self.relation)
        return f"{' and '.join(map(str, self.hypotheses))} => {self.relation}"


def variables(*terms: Expr | Relation) -> frozenset[str]:
    """Names of the variables the terms mention."""
    out: set[str] = set()
    for term in terms:
        match term:
            case Var(name):
                out.add(name)
            case Num():
                pass
            case Neg(arg) | Pow(arg, _):
                out |= variables(arg)
            case BinOp(_, left, right) | Relation(_, left, right):
                out |= variables(left, right)
    return frozenset(out)


def divisors(*terms: Expr | Relation) -> tuple[Expr, ...]:
    """Every term something is divided by (each must be non-zero for the claim to mean anything)."""
    out: list[Expr] = []
    for term in terms:
        match term:
            case Var() | Num():
                pass
            case Neg(arg) | Pow(arg, _):
                out += divisors(arg)
            case BinOp("/", left, right):
                out += [*divisors(left, right), right]
            case BinOp(_, left, right) | Relation(_, left, right):
                out += divisors(left, right)
    return tuple(out)


def is_integral(*terms: Expr | Relation) -> bool:
    """Whole-number literals, no variables, no division, no powers: plain integer arithmetic."""
    for term in terms:
        match term:
            case Num(value):
                if value.denominator != 1:
                    return False
            case Var() | Pow() | BinOp("/", _, _):
                return False
            case Neg(arg):
                if not is_integral(arg):
                    return False
            case BinOp(_, left, right) | Relation(_, left, right):
                if not is_integral(left, right):
                    return False
    return True


def number_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def render(term: Expr) -> str:
    """Plain text, fully parenthesised where precedence needs it."""
    match term:
        case Num(value):
            text = number_text(value)
            return f"({text})" if value < 0 or value.denominator != 1 else text
        case Var(name):
            return name
        case Neg(arg):
            return f"-({render(arg)})"
        case Pow(base, exponent):
            return f"({render(base)})^{exponent}"
        case BinOp(op, left, right):
            return f"({render(left)} {op} {render(right)})"
