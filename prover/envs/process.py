"""A proof assistant's child process, as every backend's driver runs it.

Spawned under `Limits` in its own process group; a reader thread turns its output into
frames (the backend's decoder says how) and another keeps the tail of its stderr; requests
are written with a crash check and replies read against a deadline. Past the deadline the
process is interrupted (SIGINT) and given the grace period to answer, or killed at once when
it cannot be interrupted, and `CallKilled` is raised. Every way the process can fail (broken
pipe, EOF, output that does not decode) becomes a `prover.errors` exception here.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO

from prover.envs import limits as lim
from prover.errors import EnvCrashed, EnvInitError, ProtocolError, ProverTimeout

EOF = object()
"""The frame that follows the last one: the process closed its output."""

Decode = Callable[[IO[bytes]], Iterator[object]]
"""Reads a process's stdout to its end, yielding frames (a ProtocolError frame for a bad one)."""


class CallKilled(ProverTimeout):
    """A request outlived its deadline (and the interrupt); the process group was killed."""


def chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """What `stream` delivers, as soon as it arrives, until EOF."""
    fd = stream.fileno()
    while chunk := os.read(fd, 1 << 16):
        yield chunk


class ChildProcess:
    """One running proof-assistant process; a backend's driver adds its requests."""

    oom_signs: tuple[str, ...] = ("out of memory", "cannot allocate")
    """What the process prints on stderr when an allocation fails under RLIMIT_AS."""
    interruptible = True
    """Whether SIGINT makes the process answer early; if not, a deadline kills it at once."""

    def __init__(self, argv: list[str], limits: lim.Limits, cwd: str | None, *, name: str, decode: Decode) -> None:
        self.name = name
        try:
            self._proc = lim.spawn(argv, limits, cwd=cwd)
        except OSError as exc:
            raise EnvInitError(f"could not start {name} ({argv[0]}): {exc}") from exc
        self.limits = limits
        self._frames: queue.Queue[object] = queue.Queue()
        self._stderr: deque[bytes] = deque(maxlen=64)
        threading.Thread(target=self._read_stdout, args=(decode,), daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def _read_stdout(self, decode: Decode) -> None:
        try:
            for frame in decode(self._proc.stdout):  # type: ignore[arg-type]
                self._frames.put(frame)
        except (OSError, ValueError, ProtocolError) as exc:
            self._frames.put(exc)
        self._frames.put(EOF)

    def _read_stderr(self) -> None:
        with contextlib.suppress(OSError):
            for chunk in chunks(self._proc.stderr):  # type: ignore[arg-type]
                self._stderr.append(chunk)

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")[-4000:]

    def send(self, request: bytes) -> None:
        """Write one request; EnvCrashed when the process is gone or no longer reads."""
        if not self.alive():
            raise self.crashed(f"{self.name} is not running")
        try:
            self._proc.stdin.write(request)  # type: ignore[union-attr]
            self._proc.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError) as exc:
            raise self.crashed(f"{self.name} stopped reading its input ({exc})") from exc

    def receive(self, timeout: float | None, what: str, last: Callable[[object], bool]) -> tuple[list[object], bool]:
        """The frames answering the request just sent, up to the first one `last` accepts, and
        whether they came only after the deadline (the answer to an interrupt).

        Past `timeout` seconds the process is interrupted and gets
        `Limits.interrupt_grace_seconds` to answer (or is killed at once if it is not
        `interruptible`); then its group is killed and `CallKilled` raised. The end of the
        output raises EnvCrashed, and output that broke off ProtocolError (after a kill).
        `what` names the request in those messages ("call", "query").
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        interrupted = False
        frames: list[object] = []
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self._frames.get(timeout=wait)
            except queue.Empty:
                if not self.interruptible:
                    self.kill()
                    raise CallKilled(f"{self.name} did not answer within {timeout:g}s; its process group "
                                     "was killed") from None
                if interrupted:
                    self.kill()
                    raise CallKilled(f"{self.name} did not answer an interrupt; its process group was killed") from None
                lim.interrupt(self._proc)
                interrupted = True
                deadline = time.monotonic() + self.limits.interrupt_grace_seconds
                continue
            if frame is EOF:
                self._wait_exit()
                raise self.crashed(f"{self.name} exited in the middle of a {what}")
            if isinstance(frame, Exception):
                self.kill()
                raise ProtocolError(f"{self.name}'s output broke off: {frame}") from frame
            frames.append(frame)
            if last(frame):
                return frames, interrupted

    def _wait_exit(self) -> None:
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # closed its output but runs on
            self.kill()

    def detail(self) -> str:
        """The exit status and the tail of what the process wrote, for an error message."""
        code = self._proc.poll()
        tail = self.stderr_tail()
        detail = f" (exit status {code})" if code is not None else ""
        if tail.strip():
            detail += f"; stderr: {tail.strip()[-500:]}"
        return detail

    def crashed(self, what: str) -> EnvCrashed:
        """`what` as an EnvCrashed with the process's detail, saying whether memory ran out."""
        tail = self.stderr_tail().lower()
        return EnvCrashed(f"{what}{self.detail()}", out_of_memory=any(sign in tail for sign in self.oom_signs))

    def kill(self) -> None:
        """Kill the process and everything it started."""
        lim.kill_process_group(self._proc)
