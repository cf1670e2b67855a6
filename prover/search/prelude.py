"""Libraries added to every theorem's header, for the attempt and its final check alike.

Library files' theorems come with their file's context as header, which rarely loads Lia or
Hammer, and ``Require`` inside a proof is refused by the checker. A prover wrapped in
`WithPrelude` sees each theorem with `prelude` appended to its header (Coq accepts
``Require`` inside a Section or Module, with a "fragile" warning), and its proof is checked
against that same extended header: the verdict is as sound as `check` is, only against a
context with more libraries loaded (whose axioms, if any, `check` then allows). A theorem
whose file the prelude's libraries depend on (Coq refuses to load a library into itself)
is attempted with its header unchanged.
"""

from __future__ import annotations

import dataclasses

from prover.envs.base import Env, Theorem
from prover.policies.base import ProofAttempt, Prover


def with_prelude(theorem: Theorem, prelude: str) -> Theorem:
    """`theorem` with `prelude` appended to its header (unchanged when `prelude` is empty)."""
    if not prelude.strip():
        return theorem
    header = f"{theorem.header.rstrip()}\n{prelude.strip()}\n" if theorem.header.strip() else f"{prelude.strip()}\n"
    return dataclasses.replace(theorem, header=header)


class WithPrelude:
    """A prover that attempts (and checks) every theorem with `prelude` in its header."""

    def __init__(self, inner: Prover, prelude: str) -> None:
        self.inner = inner
        self.prelude = prelude
        self.name = inner.name

    def attempt(self, env: Env, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        """The inner attempt on the extended theorem, reported under the original theorem's key."""
        attempt = self.inner.attempt(env, with_prelude(theorem, self.prelude), budget_seconds)
        if attempt.status == "error" and _prelude_refused(attempt.reason):
            # the theorem's own file is a dependency of a prelude library (e.g. ZArith files
            # under Lia): it can only be tried as it is, with the budget that is left
            left = budget_seconds - attempt.seconds
            if left > 0.5:
                retry = self.inner.attempt(env, theorem, left)
                return dataclasses.replace(retry, seconds=retry.seconds + attempt.seconds)
        return dataclasses.replace(attempt, theorem=theorem.key)


def _prelude_refused(reason: str) -> bool:
    return "EnvInitError" in reason and "Cannot load a library with the same name as the current one" in reason
