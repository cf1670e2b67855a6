"""What the interactive envs (`CoqEnv`, `LeanEnv`) share: one process for proofs, another for checks.

The lifecycle over those two processes is the same in both: a context manager that closes
both, healthy while neither has died since it started, and the proof process's pid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from prover.envs.base import Theorem
    from prover.envs.states import StateTable


class ProcessHolder(Protocol):
    """A proof-assistant process that is started on demand and respawned (`CoqDocument`, `LeanSession`)."""

    @property
    def pid(self) -> int | None: ...

    def alive(self) -> bool: ...

    def close(self) -> None: ...


class InteractiveEnv(ABC):
    """The lifecycle of an env that proves in one process and checks in another."""

    _theorem: Theorem | None
    _states: StateTable[Any]

    @abstractmethod
    def _processes(self) -> tuple[ProcessHolder, ProcessHolder]:
        """The process running proofs, then the one running checks."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        current = self._theorem.name if self._theorem else None
        return f"{type(self).__name__}(pid={self.pid}, theorem={current!r}, states={len(self._states)})"

    def close(self) -> None:
        """Kill both processes and everything they started."""
        for process in self._processes():
            process.close()

    def healthy(self) -> bool:
        """False when a process this env started has died (a pool then recycles the env)."""
        return all(process.pid is None or process.alive() for process in self._processes())

    @property
    def pid(self) -> int | None:
        return self._processes()[0].pid
