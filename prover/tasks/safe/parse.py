"""Reading arithmetic out of prose: find the math spans of a step and parse them into terms.

A span is a maximal run of numbers, single-letter variables, operators, parentheses and
relations (``16 - 3 = 13``, ``(x+1)^2 = x^2 + 2x + 1``, ``50% of 80 = 40``). Two operands
side by side with a space between them end a span (``7 a day``), except ``x`` between two
numbers, which is a times sign (``2 x 0.5``). GSM8K calculator annotations (``<<9*2=18>>``)
are removed first: the claim a solution makes is the text it shows, and the calculator's
own arithmetic is right by construction. Sizes are bounded (digits, exponents, nesting,
span length) so a hostile step cannot make the verifier build a huge number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from prover.tasks.safe.expr import BinOp, Expr, Neg, Num, Pow, Relation, RelationOp, Var

MAX_DIGITS = 30
MAX_EXPONENT = 64
MAX_DEPTH = 40
MAX_SPAN_TOKENS = 400

_ANNOTATION = re.compile(r"<<[^<>]*>>")
_SUPERSCRIPTS = {"²": "^2", "³": "^3"}
_UNICODE_OPS = str.maketrans({"×": "*", "·": "*", "÷": "/", "−": "-", "≤": "\x01", "≥": "\x02",
                              "≠": "\x03", "≈": "\x04"})
_UNICODE_RELS = {"\x01": "<=", "\x02": ">=", "\x03": "!=", "\x04": "~"}
_TOKEN = re.compile(r"""
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+\.\d+|\d+|\.\d+)
  | (?P<word>[A-Za-z][A-Za-z']+)
  | (?P<letter>[A-Za-z])
  | (?P<rel><=|>=|!=|==|[=<>\x01\x02\x03\x04])
  | (?P<op>\*\*|[-+*/^])
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<percent>%)
  | (?P<dollar>\$)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_WORD_OPS = {"times": "*", "plus": "+", "minus": "-", "equals": "="}
_FUNCTION_LETTERS = frozenset("fgh")
_UNSUPPORTED = frozenset("√∑∏∫π!|∞")


class ClaimSyntaxError(ValueError):
    """A math span that looks like a claim but is not one the rule-based formaliser can read."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    spaced: bool
    """Whitespace stood before it."""


@dataclass(frozen=True, slots=True)
class Span:
    """A run of math tokens with at least one relation in it."""

    tokens: tuple[Token, ...]
    unsupported: str | None = None
    """Notation next to the span that the formaliser does not know (``sqrt(``, ``√``, ``!``)."""

    @property
    def text(self) -> str:
        return "".join((" " if t.spaced and i else "") + t.text for i, t in enumerate(self.tokens))


def visible_text(step: str) -> str:
    """The step without calculator annotations, with unicode math written in ASCII."""
    text = _ANNOTATION.sub("", step)
    for sup, plain in _SUPERSCRIPTS.items():
        text = text.replace(sup, plain)
    return text


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` (dollar signs dropped: ``$26`` is the number 26)."""
    tokens: list[Token] = []
    spaced = False
    for m in _TOKEN.finditer(text.translate(_UNICODE_OPS)):
        kind, value = m.lastgroup or "other", m.group()
        if kind == "space":
            spaced = True
            continue
        if kind == "dollar":
            continue
        if kind == "rel":
            value = _UNICODE_RELS.get(value, "=" if value == "==" else value)
        if kind == "op" and value == "**":
            value = "^"
        tokens.append(Token(kind, value, spaced))
        spaced = False
    return tokens


def _starts_operand(tok: Token | None) -> bool:
    return tok is not None and tok.kind in ("num", "letter", "lparen")


def _ends_operand(tok: Token | None) -> bool:
    return tok is not None and tok.kind in ("num", "letter", "rparen", "percent")


def _as_math(tokens: list[Token], i: int, prev: Token | None) -> Token | None:
    """Token i read as math (word operators, ``x`` as times), or None when it ends a span."""
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if _unsupported(tokens, i) is not None:
        return None
    if tok.kind == "word":
        word = tok.text.lower()
        if word in _WORD_OPS:
            return Token("rel" if word == "equals" else "op", _WORD_OPS[word], tok.spaced)
        if word == "of" and _ends_operand(prev) and _starts_operand(nxt):
            return Token("op", "*", tok.spaced)
        if word == "divided" and nxt is not None and nxt.text.lower() == "by":
            return Token("op", "/", tok.spaced)
        return None
    if (tok.kind == "letter" and tok.text in "xX" and tok.spaced and nxt is not None and nxt.spaced
            and _ends_operand(prev) and prev is not None and prev.kind != "letter" and _starts_operand(nxt)):
        return Token("op", "*", tok.spaced)
    return None if tok.kind == "other" else tok


def _unsupported(tokens: list[Token], i: int) -> str | None:
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if tok.kind == "other" and tok.text in _UNSUPPORTED:
        return tok.text
    called = nxt is not None and nxt.kind == "lparen" and not nxt.spaced
    if called and (tok.kind == "word" or (tok.kind == "letter" and tok.text in _FUNCTION_LETTERS)):
        return f"{tok.text}("
    return None


def spans(text: str) -> list[Span]:
    """The math spans of a step's visible text that contain a relation."""
    tokens = tokenize(text)
    runs: list[list[Token]] = [[]]
    taints: list[str | None] = [None]
    skip = False
    for i, tok in enumerate(tokens):
        if skip:  # the "by" of "divided by"
            skip = False
            continue
        prev = runs[-1][-1] if runs[-1] else None
        math = _as_math(tokens, i, prev)
        if math is None:
            bad = _unsupported(tokens, i)
            if bad is None:
                runs.append([])
                taints.append(None)
            else:  # kept inside the run, so that the run fails to parse instead of losing a side
                runs[-1].append(Token("other", tok.text, tok.spaced))
                taints[-1] = bad
            continue
        skip = tok.kind == "word" and tok.text.lower() == "divided"
        if _ends_operand(prev) and _starts_operand(math) and math.spaced:
            runs.append([math])  # "7 a": two operands apart, two spans
            taints.append(None)
            continue
        runs[-1].append(math)
    out = []
    for run, taint in zip(runs, taints, strict=True):
        trimmed = _trim(run)
        if any(t.kind == "rel" for t in trimmed):
            out.append(Span(tuple(trimmed), taint))
    return out


def _trim(run: list[Token]) -> list[Token]:
    start = 0
    while start < len(run) and not (_starts_operand(run[start]) or (
            run[start].text == "-" and start + 1 < len(run) and _starts_operand(run[start + 1])
            and not run[start + 1].spaced)):
        start += 1
    end = len(run)
    while end > start and not _ends_operand(run[end - 1]):
        end -= 1
    return run[start:end]


def relations(span: Span) -> tuple[Relation, ...]:
    """The chain ``a = b = c`` as (a = b, b = c); raises ClaimSyntaxError when it does not parse."""
    if span.unsupported is not None:
        raise ClaimSyntaxError(f"{span.unsupported!r} next to {span.text!r} is notation the rule-based "
                               "formaliser does not read")
    if len(span.tokens) > MAX_SPAN_TOKENS:
        raise ClaimSyntaxError(f"a span of {len(span.tokens)} tokens is longer than {MAX_SPAN_TOKENS}")
    parser = _Parser(span.tokens)
    sides = [parser.expr()]
    ops: list[RelationOp] = []
    while parser.peek() is not None and parser.peek().kind == "rel":  # type: ignore[union-attr]
        ops.append(parser.take().text)  # type: ignore[arg-type]
        sides.append(parser.expr())
    if parser.peek() is not None:
        raise ClaimSyntaxError(f"unexpected {parser.peek().text!r} in {span.text!r}")  # type: ignore[union-attr]
    return tuple(Relation(op, left, right) for op, left, right in zip(ops, sides, sides[1:], strict=False))


class _Parser:
    """Recursive descent: expr := term (+|- term)*; term := unary ((*|/|juxtaposed) unary)*;
    unary := -unary | power; power := atom [^ unary]; atom := num[%] | letter | (expr)."""

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.text = "".join(t.text for t in tokens)

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ClaimSyntaxError(f"{self.text!r} ends where a number or variable should come")
        self.pos += 1
        return tok

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ClaimSyntaxError(f"{self.text[:60]!r}... is nested deeper than {MAX_DEPTH}")
        left = self.term()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in "+-":
            self.take()
            left = BinOp(tok.text, left, self.term())  # type: ignore[arg-type]
        self.depth -= 1
        return left

    def term(self) -> Expr:
        left = self.unary()
        while (tok := self.peek()) is not None:
            if tok.kind == "op" and tok.text in "*/":
                self.take()
                left = BinOp(tok.text, left, self.unary())  # type: ignore[arg-type]
            elif _starts_operand(tok) and not tok.spaced:  # 2x, 2(x+1), (x+1)(x-1)
                left = BinOp("*", left, self.unary())
            else:
                break
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text in "+-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ClaimSyntaxError(f"too many signs in {self.text[:60]!r}")
            arg = self.unary()
            self.depth -= 1
            return Neg(arg) if tok.text == "-" else arg
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        tok = self.peek()
        if tok is None or tok.text != "^":
            return base
        self.take()
        exponent = self.unary()
        value = _constant(exponent)
        if value is None or value.denominator != 1 or not 0 <= value <= MAX_EXPONENT:
            raise ClaimSyntaxError(f"exponents must be whole numbers from 0 to {MAX_EXPONENT} in {self.text!r}")
        return Pow(base, int(value))

    def atom(self) -> Expr:
        tok = self.take()
        if tok.kind == "num":
            digits = tok.text.replace(",", "")
            if len(digits.replace(".", "")) > MAX_DIGITS:
                raise ClaimSyntaxError(f"the number {tok.text[:20]}... has more than {MAX_DIGITS} digits")
            value = Fraction(digits)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "percent":
                self.take()
                value /= 100
            return Num(value)
        if tok.kind == "letter":
            return Var(tok.text)
        if tok.kind == "lparen":
            inner = self.expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise ClaimSyntaxError(f"unbalanced parenthesis in {self.text!r}")
            self.take()
            if (nxt := self.peek()) is not None and nxt.kind == "percent":
                self.take()
                return BinOp("/", inner, Num(Fraction(100)))
            return inner
        raise ClaimSyntaxError(f"expected a number, variable or '(' at {tok.text!r} in {self.text!r}")


def _constant(term: Expr) -> Fraction | None:
    match term:
        case Num(value):
            return value
        case Neg(arg):
            inner = _constant(arg)
            return None if inner is None else -inner
    return None
