"""A policy that ignores its budget: each `suggest` blocks for a minute, as a hung model
server or a runaway user policy would (for the eval tests; importable by Ray workers)."""

from __future__ import annotations

import time

from prover.config import PolicyConfig
from prover.envs.base import ProofState, Theorem
from prover.policies.base import Suggestion


class StallingPolicy:
    name = "stalling"

    @classmethod
    def from_config(cls, config: PolicyConfig) -> StallingPolicy:
        del config
        return cls()

    def suggest(self, state: ProofState, theorem: Theorem, k: int) -> list[Suggestion]:
        del state, theorem, k
        time.sleep(60)
        return []
