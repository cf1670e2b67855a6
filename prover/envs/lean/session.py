"""One REPL process kept warm for one import header, respawned when it dies.

Loading imports (``import Mathlib``: seconds and gigabytes) costs far more than anything
after it, so a session runs its import header once and keeps the resulting environment
id: every theorem is then elaborated on top of that environment, which Lean never
mutates, so each command starts from the same pristine state (the way Kimina Lean
Server reuses its header environments). Environment and proof-state ids are only valid
for the process that issued them: `generation` counts processes, so callers can tell
when to rebuild theirs by replay.
"""

from __future__ import annotations

from prover.envs import limits as lim
from prover.envs.lean.codec import Command, CommandReply, ErrorReply, Reply, Request
from prover.envs.lean.driver import ReplProcess
from prover.envs.lean.toolchain import LeanToolchain
from prover.envs.process import CallKilled
from prover.errors import EnvCrashed, EnvInitError, StartupTimeout


def split_header(header: str) -> tuple[str, str]:
    """(imports, rest) of a Lean header: ``import`` lines must come first and run with no env."""
    lines = header.strip().splitlines()
    index = 0
    while index < len(lines) and (lines[index].strip().startswith("import ") or not lines[index].strip()):
        index += 1
    imports = "\n".join(line.strip() for line in lines[:index] if line.strip())
    return imports, "\n".join(lines[index:]).strip()


class LeanSession:
    """A REPL process with its import header loaded; respawned (with the header) on demand."""

    def __init__(self, toolchain: LeanToolchain, limits: lim.Limits = lim.DEFAULT_LIMITS) -> None:
        self.toolchain = toolchain
        self.limits = limits
        self._proc: ReplProcess | None = None
        self.imports: str | None = None
        self._import_env: int | None = None
        self.generation = 0
        self.restarts = 0
        self.requests = 0
        """Requests sent to the current process (its memory grows with every state it keeps)."""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.alive()

    def _spawn(self) -> ReplProcess:
        if self._proc is not None:
            self._proc.kill()
            self.restarts += 1
        self._proc = ReplProcess(self.toolchain.argv, self.limits, self.toolchain.cwd)
        self.generation += 1
        self.requests = 0
        self._import_env = None
        return self._proc

    def recycle(self) -> None:
        """Replace the process by a fresh one at the next request (frees what it accumulated)."""
        if self._proc is not None:
            self._proc.kill()

    def base_env(self, imports: str) -> int | None:
        """The environment id holding `imports` (None: no imports, use a fresh env).

        A process serves one import header; another header replaces the process.
        """
        if self.imports != imports and self._proc is not None:
            self.recycle()
        self.imports = imports
        if not self.alive():
            self._spawn()
        if not imports or self._import_env is not None:
            return self._import_env
        reply = self._send(Command(imports), self.limits.startup_seconds, startup=True)
        if isinstance(reply, ErrorReply):
            raise EnvInitError(f"the imports failed: {reply.message}")
        assert isinstance(reply, CommandReply)
        if reply.errors:
            raise EnvInitError(f"the imports failed: {'; '.join(m.data for m in reply.errors)}")
        self._import_env = reply.env
        return reply.env

    def send(self, request: Request, timeout: float | None) -> Reply:
        """Send `request` to the current process (CallKilled past `timeout`, EnvCrashed if it dies)."""
        return self._send(request, timeout, startup=False)

    def _send(self, request: Request, timeout: float | None, startup: bool) -> Reply:
        if self._proc is None or not self._proc.alive():
            raise EnvCrashed("the Lean REPL is not running; ask for base_env first")
        self.requests += 1
        try:
            return self._proc.call(request, timeout)
        except CallKilled as exc:
            if startup:
                raise StartupTimeout(f"the Lean REPL did not load the imports within {timeout:g}s") from exc
            raise
        except EnvCrashed as exc:
            if startup:
                raise EnvInitError(f"the Lean REPL died loading the imports: {exc}") from exc
            raise

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
            self._proc = None
        self._import_env = None
