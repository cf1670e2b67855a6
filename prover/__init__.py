"""prover: machine theorem proving and formal verification behind one API.

>>> import prover
>>> with prover.open_env("coq") as env:
...     s0 = env.start(prover.Theorem("t", "Theorem t : True.", backend="coq"))
"""

from __future__ import annotations

from prover.envs.base import (
    Env,
    Goal,
    ProofFinished,
    ProofState,
    TacticError,
    TacticResult,
    TacticTimeout,
    Theorem,
    Verdict,
)
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.envs.open import open_env
from prover.errors import (
    CheckTimeout,
    ConfigError,
    EnvCrashed,
    EnvInitError,
    ModelEndpointError,
    ModelTimeout,
    ProtocolError,
    ProverError,
    ProverTimeout,
    QueryError,
    SandboxError,
    StaleStateError,
    StartupTimeout,
)

__all__ = [
    "DEFAULT_LIMITS",
    "CheckTimeout",
    "ConfigError",
    "Env",
    "EnvCrashed",
    "EnvInitError",
    "Goal",
    "Limits",
    "ModelEndpointError",
    "ModelTimeout",
    "ProofFinished",
    "ProofState",
    "ProtocolError",
    "ProverError",
    "ProverTimeout",
    "QueryError",
    "SandboxError",
    "StaleStateError",
    "StartupTimeout",
    "TacticError",
    "TacticResult",
    "TacticTimeout",
    "Theorem",
    "Verdict",
    "open_env",
]
