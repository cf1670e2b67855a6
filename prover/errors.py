"""The one exception tree of prover.

A tactic the proof assistant rejects, or one that runs out of time, is a *value*
(`TacticError`, `TacticTimeout` in `prover.envs.base`), never an exception. Exceptions
are for broken infrastructure and misuse of the API::

    ProverError
    ├── ConfigError           bad settings or input, with what to fix
    │   └── UnsupportedOperation  an API call the backend cannot do (F* has no tactic mode)
    ├── EnvInitError          the proof assistant could not be started or the header failed
    ├── EnvCrashed            the process died and could not be recovered (out_of_memory says why)
    ├── ProtocolError         a reply we cannot decode
    ├── StaleStateError       a ProofState that does not belong to the env's current proof
    ├── QueryError            a read-only query the proof assistant rejected
    ├── ModelEndpointError    a model endpoint refused a request or answered unreadably (status says which)
    ├── SandboxError          the sandbox itself failed, not the program it runs
    └── ProverTimeout
        ├── StartupTimeout    starting or loading the header took too long
        ├── CheckTimeout      a whole-proof check exceeded its budget
        └── ModelTimeout      a model endpoint did not answer in time, after every retry
"""

from __future__ import annotations


class ProverError(Exception):
    """Root of every error prover raises on purpose."""


class ConfigError(ProverError):
    """Settings or input that cannot be used; the message says what to change."""


class UnsupportedOperation(ConfigError):
    """A call this backend cannot serve (``run_tactic`` on F*); the message names what to use instead."""


class EnvInitError(ProverError):
    """The proof assistant could not be started, or the theorem's header/statement failed."""


class EnvCrashed(ProverError):
    """The proof assistant process died and recovery failed."""

    def __init__(self, message: str, *, out_of_memory: bool = False) -> None:
        super().__init__(message)
        self.out_of_memory = out_of_memory


class ProtocolError(ProverError):
    """A reply from the proof assistant that the codec cannot decode."""


class StaleStateError(ProverError):
    """A ProofState passed to an env that did not produce it for its current proof."""


class ProverTimeout(ProverError):
    """Infrastructure ran out of time (tactic timeouts are values, not this)."""


class StartupTimeout(ProverTimeout):
    """Starting the proof assistant or loading a header took too long."""


class CheckTimeout(ProverTimeout):
    """A whole-proof check exceeded its budget."""


class QueryError(ProverError):
    """A read-only query (Check, Search, Print, ...) that the proof assistant rejected."""


class ModelEndpointError(ProverError):
    """A model endpoint refused the request or gave an answer that cannot be read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ModelTimeout(ProverTimeout):
    """A model endpoint did not answer in time, after every retry."""


class SandboxError(ProverError):
    """The sandbox itself failed (bwrap or the supervisor could not start); not a program's fault."""
