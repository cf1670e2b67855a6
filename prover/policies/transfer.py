"""The transfer policy: the whole proofs of the most similar theorems, tried as they are.

Library files are full of families of lemmas proved the same way (``Zplus_lt_compat_l``
and ``Zplus_lt_reg_l``, ``even_plus_aux`` and ``even_mult_aux``), and the FSet and MSet
libraries repeat each other's proofs lemma for lemma. A proof is replayed by the
environment sentence by sentence (bullets included), so a whole proof is one suggestion:
on the root state, this policy proposes the proofs of the theorems whose statements are
nearest to the goal, from the theorem's own file before it and from the training split
(`prover.policies.neighbours.LibraryProofs`), the file's first. A wrong one usually fails
on its first sentence, in milliseconds; a right one is confirmed by `check` like any proof.
"""

from __future__ import annotations

import os
import re

from prover.data.records import TheoremRecord
from prover.envs.base import Goal, ProofState, Theorem
from prover.policies.base import Suggestion
from prover.policies.knn import GoalIndex
from prover.policies.neighbours import LibraryProofs

_DELIMITER = re.compile(r"^(?:Proof(?:\s+using\b.*)?\.|Qed\.|Defined\.)$", re.DOTALL)
"""Sentences around a proof's tactics (``Proof using`` only declares section variables)."""


def proof_script(record: TheoremRecord) -> str | None:
    """`record`'s proof as one tactic text (its sentences, without ``Proof.`` and ``Qed.``),
    or None for a proof that cannot be replayed on its own: none, admitted, or one that
    relies on ``Proof with`` (its ``...`` means the tactic named there)."""
    sentences = [s.strip() for s in record.proof]
    if not sentences or any(s.startswith("Proof with") or s in {"Admitted.", "Abort."} for s in sentences):
        return None
    tactics = [s for s in sentences if not _DELIMITER.match(s)]
    return " ".join(tactics) or None


class TransferPolicy:
    """Whole proofs of the nearest theorems, on the root state (see the module docstring)."""

    name = "transfer"

    def __init__(self, proofs: str | os.PathLike[str]) -> None:
        self.proofs = str(proofs)
        self._library = LibraryProofs(proofs, _scripts, "transfer")
        train = self._library.train
        self._train = (GoalIndex.of([x.goal for _, x in train], [(module, x.item) for module, x in train])
                       if train else None)
        """The training split's root goals, each with its (module, proof)."""

    def __reduce__(self) -> tuple[type[TransferPolicy], tuple[str]]:
        return (TransferPolicy, (self.proofs,))

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        """Up to `k` whole proofs for the root state, half from the file (nearest first), the
        rest from the training split; nothing for any other state."""
        if state.depth != 0 or not state.goals or k <= 0:
            return []
        goal = state.goals[0]
        scripts: list[str] = []
        own = self._library.earlier_index(theorem)
        if own is not None:
            scripts += [script for _, script in own.nearest(goal, (k + 1) // 2)]
        if self._train is not None:
            for _, (module, script) in self._train.nearest(goal, 4 * k):
                if module != theorem.module:
                    scripts.append(script)
                if len(scripts) >= k:
                    break
        unique = list(dict.fromkeys(scripts))[:k]
        return [Suggestion(script, -0.01 * rank, self.name) for rank, script in enumerate(unique)]


def _scripts(record: TheoremRecord) -> list[tuple[Goal, str]]:
    script = proof_script(record)
    if script is None or not record.steps or not record.steps[0].before:
        return []
    return [(record.steps[0].before[0].to_goal(), script)]
