"""One evaluation worker: a warm env pool and a prover, attempting one theorem at a time.

The same class runs in-process (``--workers 0``, and in tests) and as a Ray actor; the
actor is this class wrapped by `ray.remote`, so both paths run the same code.
"""

from __future__ import annotations

import time

from prover.config import ProverConfig, build_prover
from prover.envs.base import Theorem
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.envs.pool import EnvPool
from prover.errors import ProverError
from prover.policies.base import ProofAttempt


class EvalWorker:
    """Holds one warm env (per backend) and the prover built from `prover_config` (loaded by
    the driver, its paths absolute, so a worker on another machine or directory reads the same)."""

    def __init__(self, prover_config: ProverConfig, limits: Limits = DEFAULT_LIMITS) -> None:
        self.prover = build_prover(prover_config)
        self.limits = limits
        self.pools: dict[str, EnvPool] = {}

    def attempt(self, theorem: Theorem, budget_seconds: float) -> ProofAttempt:
        """The prover's attempt at `theorem`; infrastructure failures become ``status="error"``."""
        started = time.monotonic()
        pool = self.pools.get(theorem.backend)
        try:
            if pool is None:
                pool = self.pools[theorem.backend] = EnvPool(theorem.backend, size=1, limits=self.limits)
            with pool.env(theorem.header, theorem.module) as env:
                return self.prover.attempt(env, theorem, budget_seconds)
        except ProverError as exc:
            return ProofAttempt(theorem.key, "error", None, f"{type(exc).__name__}: {exc}",
                                time.monotonic() - started, 0)

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools.clear()
