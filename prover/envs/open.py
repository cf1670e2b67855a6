"""`open_env`: one entry point that picks the backend by name."""

from __future__ import annotations

from typing import Any

from prover.envs.base import Env
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.errors import ConfigError

BACKENDS = ("coq", "fstar", "lean")


def open_env(backend: str = "coq", limits: Limits = DEFAULT_LIMITS, **options: Any) -> Env:
    """A fresh environment for `backend` (``"coq"``, ``"lean"``, ``"fstar"``); use it as a context manager.

    `options` go to the backend's constructor (Coq: ``args``, ``cwd``, ``allowed_axioms``;
    Lean: ``project`` (a Lake project with the REPL), ``repl``, ``allowed_axioms``).
    Backends are imported only when asked for, so a missing toolchain affects only its own.
    """
    if backend == "coq":
        from prover.envs.coq.env import CoqEnv

        return CoqEnv(limits=limits, **options)
    if backend == "lean":
        from prover.envs.lean.env import LeanEnv

        return LeanEnv(limits=limits, **options)
    if backend == "fstar":
        from prover.envs.fstar import FStarEnv

        return FStarEnv(limits=limits, **options)
    raise ConfigError(f"unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
