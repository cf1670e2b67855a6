"""The F* backend: whole-definition checking over ``fstar.exe --ide`` (no tactic-level API)."""

from prover.envs.fstar.driver import find_fstar
from prover.envs.fstar.env import FStarEnv

__all__ = ["FStarEnv", "find_fstar"]
