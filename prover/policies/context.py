"""The context policy: tactics about the state itself, its hypotheses, variables and constants.

Retrieval proposes library lemmas and k-NN proposes what similar training states did; neither
names what only this state has: the hypothesis ``H : n = m + p`` to rewrite with, the variable
``a : Z`` to case on, the definition ``dist_euc`` in the goal to unfold. This policy writes
those tactics from the first goal's text, a handful per name, plus a few structural steps.
Each is an ordinary tactic the search runs and `check` confirms; a wrong guess is one failed
call of a few milliseconds.
"""

from __future__ import annotations

import re

from prover.envs.base import Goal, ProofState, Theorem
from prover.policies.base import Suggestion
from prover.policies.knn import Hypothesis

STRUCTURAL = ("intros.", "simpl.", "split.", "subst.", "f_equal.", "symmetry.", "constructor.", "left.",
              "right.", "exfalso.", "simpl in *.", "red.", "discriminate.", "easy.")
"""Steps that need no name, tried on every state."""
_RELATION = re.compile(r"=|<|>|->|/\\|\\/|~|\bforall\b|\bexists\b|\bTrue\b|\bFalse\b")
_TOP_CASES = re.compile(r"/\\|\\/|\bexists\b|<->")
_CONSTANT = re.compile(r"(?<![\w'.])([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)")
_KEYWORDS = frozenset({"forall", "exists", "fun", "let", "in", "if", "then", "else", "match", "with", "end",
                       "return", "as", "Type", "Prop", "Set", "True", "False"})
UNFOLDS = 6
"""Constants of the goal offered to ``unfold``, in order of first appearance."""


def is_statement(type_text: str) -> bool:
    """Whether a hypothesis's type reads as a proposition (``H : n < m``) rather than data
    (``n : nat``): relations and connectives, or a capitalised predicate (``Ok s``)."""
    text = type_text.strip()
    if _RELATION.search(text):
        return True
    head = text.split(" ", 1)[0].rpartition(".")[2]
    return bool(head) and head[0].isupper() and " " in text


def hypothesis_tactics(hypothesis: Hypothesis) -> list[str]:
    """What to try with each name `hypothesis` declares."""
    out: list[str] = []
    for name in hypothesis.names:
        if not is_statement(hypothesis.type):
            out += [f"destruct {name}.", f"induction {name}."]
            continue
        out.append(f"apply {name}.")
        if any(symbol in hypothesis.type for symbol in (" = ", "<->", "==")):
            out += [f"rewrite {name}.", f"rewrite <- {name}."]
        if _TOP_CASES.search(hypothesis.type):
            out.append(f"destruct {name}.")
        out.append(f"now apply {name}.")
    return out


def goal_constants(goal: Goal, local: set[str]) -> list[str]:
    """Names in the conclusion that are not local (candidates for ``unfold``), first seen first."""
    seen: dict[str, None] = {}
    for name in _CONSTANT.findall(goal.conclusion):
        if name not in local and name not in _KEYWORDS and not name[0].isdigit():
            seen.setdefault(name, None)
    return list(seen)


class ContextPolicy:
    """Tactics from the first goal's own hypotheses, variables and constants (see the module docstring)."""

    name = "context"

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        del theorem
        if not state.goals or k <= 0:
            return []
        goal = state.goals[0]
        hypotheses = [Hypothesis.parse(line) for line in goal.hypotheses]
        local = {name for h in hypotheses for name in h.names}
        tactics: list[str] = []
        # the latest hypotheses are the likeliest to matter: intros just made them
        for hypothesis in reversed(hypotheses):
            tactics += hypothesis_tactics(hypothesis)
        tactics += [f"unfold {name}." for name in goal_constants(goal, local)[:UNFOLDS]]
        tactics += STRUCTURAL
        unique = list(dict.fromkeys(tactics))[:k]
        return [Suggestion(tactic, -3.0 - 0.05 * i, self.name) for i, tactic in enumerate(unique)]
