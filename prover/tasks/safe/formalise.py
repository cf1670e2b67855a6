"""Formalisers turn one natural-language step into claims to verify and assumptions to keep.

`Formaliser` is the protocol every formaliser speaks (the rule-based one here; an LLM one
would prompt a policy with the question, the earlier steps and the step, and hand back the
same `Formalisation`). `RuleFormaliser` reads the arithmetic and algebra a step shows:

- every relation in a math span is a claim (``16 - 3 = 13``; ``a = b = c`` is two claims);
- in ``if A then B`` (or ``if A, B``), the relations of A are hypotheses of those of B;
- a step that says ``let``/``suppose``/``assume`` sets up what its relations with
  variables state: they are assumptions, not claims;
- ``v = <expression>`` for a variable no earlier assumption constrains defines v: an
  assumption too;
- claims with variables are read under every earlier assumption (``x = 4`` after
  ``let 2x + 3 = 11``);
- a span it cannot parse is a failure, with the reason; a step without spans has nothing
  to check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from prover.tasks.safe.expr import Claim, Relation, Var, variables
from prover.tasks.safe.parse import ClaimSyntaxError, relations, spans, visible_text

_ASSUMING = re.compile(r"\b(let|suppose|assume|assuming)\b", re.IGNORECASE)
# A comma followed by a digit is a thousands separator, not the end of the "if" part.
_IF_THEN = re.compile(r"\bif\b(?P<hyp>.+?)(?:\bthen\b|,(?!\d))(?P<concl>.+)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a formaliser knows when it reads a step."""

    question: str
    previous: tuple[str, ...] = ()
    """The earlier steps of the solution, in order."""
    assumptions: tuple[Relation, ...] = ()
    """What earlier steps assumed or defined (and the verifier found consistent)."""


@dataclass(frozen=True, slots=True)
class Formalisation:
    """One step, formalised."""

    claims: tuple[Claim, ...] = ()
    """Statements to verify, each with the hypotheses it is read under."""
    assumptions: tuple[Relation, ...] = ()
    """Statements the step sets up rather than derives (kept for later steps)."""
    failures: tuple[str, ...] = ()
    """What looked like a claim but could not be formalised, and why."""


@runtime_checkable
class Formaliser(Protocol):
    """Turns a natural-language step into a `Formalisation`."""

    name: str

    def formalise(self, step: str, context: StepContext) -> Formalisation: ...


class RuleFormaliser:
    """Arithmetic and algebra read straight from the step's text (see the module docstring)."""

    name = "rules"

    def formalise(self, step: str, context: StepContext) -> Formalisation:
        text = visible_text(step)
        hypotheses: tuple[Relation, ...] = ()
        parts = [text]
        if (m := _IF_THEN.search(text)) is not None:
            found, failures = _read(m.group("hyp"))
            if found and not failures:
                hypotheses = found
                parts = [text[: m.start()], m.group("concl")]
        assuming = _ASSUMING.search(text) is not None
        builder = _Builder(context.assumptions, hypotheses, assuming)
        failures: list[str] = []
        for part in parts:
            for span in spans(part):
                try:
                    found = relations(span)
                except ClaimSyntaxError as exc:
                    failures.append(str(exc))
                    continue
                for rel in found:
                    builder.add(rel, span.text)
        return Formalisation(tuple(builder.claims), tuple(builder.assumptions), tuple(failures))


def _read(text: str) -> tuple[tuple[Relation, ...], tuple[str, ...]]:
    found: list[Relation] = []
    failures: list[str] = []
    for span in spans(text):
        try:
            found += relations(span)
        except ClaimSyntaxError as exc:
            failures.append(str(exc))
    return tuple(found), tuple(failures)


class _Builder:
    """Sorts a step's relations into claims and assumptions, in the order they appear."""

    def __init__(self, context: tuple[Relation, ...], hypotheses: tuple[Relation, ...], assuming: bool) -> None:
        self.context = context
        self.hypotheses = hypotheses
        self.assuming = assuming
        self.claims: list[Claim] = []
        self.assumptions: list[Relation] = []

    def add(self, rel: Relation, source: str) -> None:
        known = [r for r in (*self.context, *self.assumptions) if variables(r)]
        if variables(rel) and not self.hypotheses and (self.assuming or _defines(rel, known)):
            self.assumptions.append(rel)
            return
        self.claims.append(Claim(rel, (*linked_assumptions(known, variables(rel, *self.hypotheses)), *self.hypotheses),
                                 source))


def linked_assumptions(known: Sequence[Relation], names: frozenset[str]) -> list[Relation]:
    """The assumptions linked to `names`, directly or through other assumptions (y = 2x, x = 3)."""
    chosen: list[Relation] = []
    grew = True
    while grew:
        grew = False
        for rel in known:
            if rel not in chosen and variables(rel) & names:
                chosen.append(rel)
                names |= variables(rel)
                grew = True
    return [rel for rel in known if rel in chosen]


def _defines(rel: Relation, known: list[Relation]) -> bool:
    """``v = e``: the first thing said about variable v, with e not mentioning v."""
    if rel.op != "=" or not isinstance(rel.left, Var):
        return False
    name = rel.left.name
    return name not in variables(rel.right) and all(name not in variables(r) for r in known)
