"""The texts retrieval compares: a premise as ``name : type``, a goal as its conclusion and
hypotheses, and the word pieces BM25 counts in either.

Coq prints the same notations in premise types and in goals (``n + m``, ``l ++ l'``), so
operator symbols are words here, not punctuation; a qualified identifier counts as itself,
as its last component and as its ``.``/``_`` pieces, so ``Nat.add_comm`` in a goal meets
``add`` and ``comm`` in a premise name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prover.data.premises import Premise
from prover.envs.base import Goal

__all__ = ["goal_query", "premise_text", "tokenize"]

_TOKEN = re.compile(r"[^\W\d][\w']*(?:\.[^\W\d][\w']*)*|\d+|[^\w\s]+")
_PUNCTUATION = frozenset("(){}[],;:.|")
"""Symbols that structure a term without saying what it is about."""


def tokenize(text: str) -> list[str]:
    """The BM25 words of `text` (lower-cased identifiers and pieces, numbers, operators)."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0].isalpha() or token[0] == "_":
            lowered = token.lower()
            out.append(lowered)
            parts = lowered.split(".")
            if len(parts) > 1:
                out.append(parts[-1])
            pieces = [p for part in parts for p in part.split("_") if p]
            if len(pieces) > 1:
                out.extend(pieces)
        elif token.isdigit():
            out.append(token)
        else:
            symbol = token.strip("".join(_PUNCTUATION))
            if symbol and not set(symbol) <= _PUNCTUATION:
                out.append(symbol)
    return out


def premise_text(premise: Premise) -> str:
    """``name : type``, the name relative to its module (``Nat.add_comm``), as both indexes see
    it; the module's last component comes first, since files group lemmas by topic."""
    prefix = f"{premise.module}."
    relative = premise.name.removeprefix(prefix)
    topic = premise.module.rpartition(".")[2]
    return f"{topic} {relative} : {premise.type}" if premise.type else f"{topic} {relative}"


def goal_query(goals: Iterable[Goal]) -> str:
    """The query text of a proof state: each goal's conclusion, then its hypotheses.

    The conclusion comes first because the embedding model truncates long inputs, and it is
    what the proof has to establish.
    """
    parts: list[str] = []
    for goal in goals:
        parts.append(goal.conclusion)
        parts.extend(goal.hypotheses)
    return "\n".join(" ".join(part.split()) for part in parts)
