"""The LLM formaliser: a language model writes a step's claims in the rule syntax; the rules read them.

The model is shown the question, the earlier steps, what they assumed, and the step, and asked
for one line per relation: ``CLAIM: 3*7+2 = 23`` for what the step derives, ``ASSUME: 2x+3 = 11``
for what it sets up, or ``NONE`` when the step states nothing checkable. `read_formalisation`
parses those lines with the rule-based parser (`prover.tasks.safe.parse`), so the model only
translates prose into the formal language and never decides a claim itself: Z3 and Coq do.

Anything else in the answer is a failure of that step (``formalisation_failed``), never an
error: a line that is not one of the three forms, a relation that does not parse, an empty
answer. Claims with variables are read under the assumptions linked to them, as the rule-based
formaliser reads them; an ``ASSUME`` without variables assumes nothing and is checked as a claim.
"""

from __future__ import annotations

import re

from prover.errors import ConfigError
from prover.policies.text import TextGenerator
from prover.tasks.safe.expr import Claim, Relation, variables
from prover.tasks.safe.formalise import Formalisation, StepContext, linked_assumptions
from prover.tasks.safe.parse import ClaimSyntaxError, Span, relations, tokenize, visible_text

MAX_LINES = 32
"""Most lines of an answer read; a longer answer is a failure (no step states that many relations)."""
STOPS = ("\n\n", "\nStep:", "\nQuestion:", "\nExample")
"""Where an answer ends: a blank line, or the model starting another example."""

INSTRUCTIONS = """\
Formalise the last step of a math solution as relations a checker can verify.
Answer with one line per relation and nothing else:
CLAIM: <relation>   for what the step computes or derives;
ASSUME: <relation>  for what it sets up (a definition of a variable, a supposition);
NONE                when the step states nothing to check.
A relation compares two expressions with =, !=, <, <=, > or >=. Expressions use numbers,
single-letter variables, + - * / ^ and parentheses; leave out units and words.

Example step: She earns 12 * 3 = $36 a day.
Formalisation:
CLAIM: 12*3 = 36

Example step: Let x be the price, so 2x + 3 = 11 and x = 4.
Formalisation:
ASSUME: 2x + 3 = 11
CLAIM: x = 4

Example step: Now we add the two amounts.
Formalisation:
NONE

"""

_LINE = re.compile(r"^(?:[-*•]\s*|\d+[.)]\s*)?`?(?P<tag>CLAIM|ASSUME)\s*:\s*(?P<body>.*?)`?\s*$", re.IGNORECASE)
_NONE = re.compile(r"^`?NONE`?\.?$", re.IGNORECASE)


def formalisation_prompt(step: str, context: StepContext) -> str:
    """What the model is asked about `step`."""
    earlier = "".join(f"{i}. {text}\n" for i, text in enumerate(context.previous, 1)) or "(none)\n"
    assumed = "".join(f"{rel}\n" for rel in context.assumptions)
    return (f"{INSTRUCTIONS}Question: {context.question.strip()}\nEarlier steps:\n{earlier}"
            + (f"Assumed so far:\n{assumed}" if assumed else "")
            + f"Step: {step.strip()}\nFormalisation:\n")


def read_relations(text: str) -> tuple[Relation, ...]:
    """The relations of one ``CLAIM``/``ASSUME`` body (``a = b = c`` is two); ClaimSyntaxError if it
    is anything but relations in the rule syntax."""
    tokens = tuple(tokenize(visible_text(text)))
    if not any(t.kind == "rel" for t in tokens):
        raise ClaimSyntaxError(f"{text[:80]!r} holds no relation (=, !=, <, <=, >, >=)")
    return relations(Span(tokens))


def read_formalisation(answer: str, context: StepContext) -> Formalisation:
    """A model's answer as a `Formalisation`: its claims and assumptions, and a failure per bad line."""
    lines = [line.strip() for line in answer.splitlines() if line.strip()]
    if not lines:
        return Formalisation(failures=("the model's answer holds no CLAIM:, ASSUME: or NONE line",))
    if len(lines) > MAX_LINES:
        return Formalisation(failures=(f"the model's answer has {len(lines)} lines; at most {MAX_LINES} are read",))
    claims: list[Claim] = []
    assumptions: list[Relation] = []
    failures: list[str] = []
    said_none = False
    for number, line in enumerate(lines, 1):
        if _NONE.match(line):
            said_none = True
            continue
        if (m := _LINE.match(line)) is None:
            failures.append(f"line {number} of the model's answer is not CLAIM:, ASSUME: or NONE: {line[:80]!r}")
            continue
        try:
            found = read_relations(m.group("body"))
        except ClaimSyntaxError as exc:
            failures.append(f"line {number} of the model's answer: {exc}")
            continue
        for rel in found:
            if m.group("tag").upper() == "ASSUME" and variables(rel):
                assumptions.append(rel)
                continue
            known = [r for r in (*context.assumptions, *assumptions) if variables(r)]
            claims.append(Claim(rel, tuple(linked_assumptions(known, variables(rel))), m.group("body")))
    if said_none and (claims or assumptions or failures):
        failures.append("the model's answer says NONE and also states relations")
    return Formalisation(tuple(claims), tuple(assumptions), tuple(failures))


class LLMFormaliser:
    """A `Formaliser` whose model writes each step's relations (see the module docstring).

    `tokens` counts the prompt and completion tokens of every step formalised so far.
    """

    def __init__(self, generator: TextGenerator, max_tokens: int = 128) -> None:
        if max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {max_tokens}")
        self.generator = generator
        self.name = f"llm:{generator.name}"
        self.max_tokens = max_tokens
        self.tokens = 0

    def formalise(self, step: str, context: StepContext) -> Formalisation:
        answer = self.generator.generate(formalisation_prompt(step, context), self.max_tokens, STOPS)
        self.tokens += answer.tokens
        return read_formalisation(answer.text, context)
