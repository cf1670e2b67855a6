"""Resource limits shared by every backend: timeouts, memory caps, process-group kill.

A backend enforces every field of `Limits` or refuses it at construction. Runaway work
is bounded in escalating steps: the proof assistant's own timeout (Coq ``Timeout N``),
then an interrupt (SIGINT), then killing the whole process group; the env respawns and
replays lazily on the next call, so the caller gets its `TacticTimeout` without waiting
for the respawn.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass

from prover.errors import ConfigError

GIB = 1024**3


@dataclass(frozen=True, slots=True)
class Limits:
    """Time and memory bounds for one proof-assistant process."""

    startup_seconds: float = 60.0
    """Starting the process and loading a theorem's header."""
    tactic_seconds: float = 10.0
    """Default per-tactic timeout (a call may pass its own)."""
    proof_seconds: float = 120.0
    """Budget for checking one whole proof."""
    memory_bytes: int | None = 4 * GIB
    """Address-space cap (RLIMIT_AS) on the child process; None for no cap."""
    interrupt_grace_seconds: float = 1.0
    """How long to wait for an answer after SIGINT before killing the process group."""

    def __post_init__(self) -> None:
        for name in ("startup_seconds", "tactic_seconds", "proof_seconds", "interrupt_grace_seconds"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")
        if self.memory_bytes is not None and self.memory_bytes < 256 * 1024**2:
            raise ConfigError(
                f"Limits.memory_bytes={self.memory_bytes} is below 256 MiB, too small to run a prover"
            )


DEFAULT_LIMITS = Limits()


def whole_seconds(timeout: float) -> int:
    """A timeout rounded up to whole seconds, for provers whose own timeouts are integers."""
    return max(1, math.ceil(timeout))


def limited_argv(argv: list[str], limits: Limits) -> list[str]:
    """`argv` wrapped in util-linux ``prlimit``, which sets the caps and then execs it.

    ``prlimit`` instead of a ``preexec_fn``: the env runs reader threads, and forking a
    threaded Python to run Python code in the child can deadlock.
    """
    caps = ["--core=0"]
    if limits.memory_bytes is not None:
        caps.append(f"--as={limits.memory_bytes}")
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise ConfigError("`prlimit` (Debian package util-linux) is needed to cap memory; install it")
    return [prlimit, *caps, "--", *argv]


def spawn(
    argv: list[str], limits: Limits, cwd: str | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `argv` in its own process group (so it can be killed whole) under `limits`."""
    return subprocess.Popen(
        limited_argv(argv, limits),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )


def interrupt(proc: subprocess.Popen[bytes]) -> None:
    """Ask the process to stop its current work (Coq answers with "User interrupt")."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass


def kill_process_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything it started, then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
