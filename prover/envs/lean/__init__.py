"""The Lean 4 backend: the Lean REPL (leanprover-community/repl) behind the uniform `Env` API."""

from prover.envs.lean.check import DEFAULT_AXIOMS
from prover.envs.lean.env import LeanEnv
from prover.envs.lean.toolchain import LeanToolchain, find_toolchain

__all__ = ["DEFAULT_AXIOMS", "LeanEnv", "LeanToolchain", "find_toolchain"]
