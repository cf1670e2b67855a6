"""`open_env`: one entry point that picks the backend by name."""

from __future__ import annotations

from typing import Any

from prover.envs.base import Env
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.errors import ConfigError

BACKENDS = ("coq",)


def open_env(backend: str = "coq", limits: Limits = DEFAULT_LIMITS, **options: Any) -> Env:
    """A fresh environment for `backend` (``"coq"``); use it as a context manager.

    `options` go to the backend's constructor (for Coq: ``args``, ``cwd``, ``allowed_axioms``).
    """
    if backend == "coq":
        from prover.envs.coq.env import CoqEnv

        return CoqEnv(limits=limits, **options)
    if backend in ("lean", "fstar"):
        raise ConfigError(f"the {backend!r} backend is not built yet; available: {', '.join(BACKENDS)}")
    raise ConfigError(f"unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
