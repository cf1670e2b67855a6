"""The lemma policy: apply or rewrite with the premises retrieval ranks first for the goal.

Most short library proofs are one or two uses of a lemma declared a little earlier
(``apply Z.add_lt_mono_l``, ``rewrite add_comm; apply add_opp_diag_l``). CoqHammer finds
these through its ATPs, but it cannot be loaded into the files Lia and Hammer themselves
depend on (ZArith, NArith, much of Numbers), and k-NN only proposes lemma names its
training states used. This policy asks the premise retriever (`prover.retrieval`) for the
goal's best premises, among those the theorem may use (nothing of its own file from its
line on), and proposes each as ``apply``, and, when its type is an equation or an
equivalence, as ``rewrite`` both ways; each tactic is a plain Coq tactic that the search
runs and `check` confirms, so a wrong guess costs one failed call.

Names: a premise is written relative to its file's module (``Z.add_move_l`` for
``Coq.ZArith.BinInt.Z.add_move_l``), as the file's own text and its importers write it; a
premise of the theorem's own file is also tried by its last component, which is how a
section or functor body refers to its earlier lemmas.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import numpy as np

from prover.envs.base import ProofState, Theorem
from prover.errors import ConfigError
from prover.policies.base import Suggestion
from prover.retrieval.text import goal_query

if TYPE_CHECKING:
    from prover.data.premises import Premise
    from prover.retrieval import Position

APPLY_FORMS = ("apply {}.", "now apply {}.")
RULE_FORMS = ("rewrite {}.", "apply {}.", "rewrite <- {}.", "now apply {}.", "now rewrite {}.")
"""Tactics made from one premise name, likeliest first; rewriting only with equations and
equivalences (`is_rewrite_rule`)."""
_USABLE_KINDS = frozenset({"theorem", "definition", "constructor", "axiom", "other"})


def position_of(theorem: Theorem) -> Position | None:
    """Module and line of a library theorem (its `source` ends in ``:LINE``), else None."""
    from prover.retrieval import Position

    if theorem.module is None or theorem.source is None:
        return None
    _, _, tail = theorem.source.rpartition(":")
    return Position(theorem.module, int(tail)) if tail.isdigit() else None


def names_for(premise: Premise, module: str | None) -> list[str]:
    """How the theorem's context can refer to `premise`, most likely first."""
    relative = premise.name.removeprefix(f"{premise.module}.")
    names = []
    if premise.module == module:
        names.append(relative.rpartition(".")[2])
    names.append(relative)
    return list(dict.fromkeys(names))


def is_rewrite_rule(premise_type: str) -> bool:
    """Whether a premise's statement ends in an equation or equivalence (a rewrite rule)."""
    conclusion = premise_type.rsplit("->", 1)[-1].rsplit(",", 1)[-1]
    return any(symbol in conclusion for symbol in (" = ", "<->", "=="))


def tactics_for(premise: Premise, module: str | None) -> list[str]:
    """The tactics proposed for `premise` in a theorem of `module`."""
    forms = RULE_FORMS if is_rewrite_rule(premise.type) else APPLY_FORMS
    return [form.format(name) for name in names_for(premise, module) for form in forms]


class LemmaPolicy:
    """``apply``/``rewrite`` with the goal's best retrieved premises (see the module docstring)."""

    name = "lemmas"

    def __init__(self, premises: str | os.PathLike[str]) -> None:
        from prover.retrieval import PremiseRetriever

        self.premises = str(premises)
        try:
            self.retriever = PremiseRetriever.load(self.premises)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (`make data` builds the default one from the standard library), or pick "
                              "a prover config without the lemma policy (`--prover automation`)") from exc
        self.retriever.ready()  # the embedding model loads now, not inside the first attempt's budget
        corpus = self.retriever.premises
        self._modules = np.array([p.module for p in corpus], dtype=object)
        self._lines = np.array([p.line for p in corpus], dtype=np.int64)
        self._usable = np.array([bool(p.type) and p.kind in _USABLE_KINDS for p in corpus])
        self._for: tuple[str, np.ndarray, Position | None] | None = None
        """The latest theorem's key, mask (`allowed`) and position: a search asks for one theorem at a time."""

    def __reduce__(self) -> tuple[type[LemmaPolicy], tuple[str]]:
        # a Ray worker loads the index itself instead of receiving it
        return (LemmaPolicy, (self.premises,))

    def allowed(self, theorem: Theorem) -> np.ndarray:
        """Mask over the corpus of what `theorem` may use: nothing of its own file from its
        line on, and only premises with a type that is a statement (no inductive types)."""
        return self._theorem(theorem)[0]

    def _theorem(self, theorem: Theorem) -> tuple[np.ndarray, Position | None]:
        if self._for is None or self._for[0] != theorem.key:
            mask = self._usable.copy()
            position = position_of(theorem)
            if theorem.module is not None:
                own = self._modules == theorem.module
                # line 0 (unknown) could be anywhere in the file; no position: none of the file
                mask &= ~(own & ((self._lines >= position.line) | (self._lines == 0)) if position is not None else own)
            self._for = (theorem.key, mask, position)
        return self._for[1], self._for[2]

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        """Up to `k` tactics: each premise's forms, premises in retrieval order (scores fall with rank)."""
        if not state.goals or k <= 0:
            return []
        retriever = self.retriever
        query = goal_query(state.goals[:1])
        if not query.strip():
            return []
        # every premise gives at least two tactics: k premises are more than enough
        allowed, position = self._theorem(theorem)
        ids, _ = retriever.rank(query, k, allowed, "hybrid", position=position)
        out: list[Suggestion] = []
        for rank, index in enumerate(ids.tolist()):
            premise = retriever.premises[index]
            for j, tactic in enumerate(tactics_for(premise, theorem.module)):
                out.append(Suggestion(tactic, -math.log(rank + 2) - 0.1 * j, self.name))
            if len(out) >= k:
                break
        return out[:k]
