"""The Lean REPL process: spawn, send one request, read its reply frame, kill.

Knows nothing about goals or proofs. The REPL has no timeout and no memory cap of its own,
and it does not answer an interrupt, so a request that outlives its deadline gets its
process group killed (`CallKilled`); the caller respawns and replays. The memory cap is
RLIMIT_AS from `limits.spawn`. Every way the process can fail (broken pipe, EOF, output
that is not a reply) becomes a `prover.errors` exception here.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
import time
from collections import deque

from prover.envs import limits as lim
from prover.envs.lean.codec import FrameDecoder, Reply, Request, decode, encode
from prover.errors import EnvCrashed, EnvInitError, ProtocolError, ProverTimeout

_EOF = object()
# What Lean's runtime prints when an allocation fails under RLIMIT_AS.
_OOM_SIGNS = ("out of memory", "std::bad_alloc", "cannot allocate", "failed to allocate")


class CallKilled(ProverTimeout):
    """A request outlived its deadline; the REPL's process group was killed."""


class ReplProcess:
    """One running REPL (``repl`` or ``lake env repl``), reading requests on stdin."""

    def __init__(self, argv: tuple[str, ...], limits: lim.Limits, cwd: str | None = None) -> None:
        if not argv:
            raise EnvInitError("no REPL command given")
        try:
            self._proc = lim.spawn(list(argv), limits, cwd=cwd)
        except OSError as exc:
            raise EnvInitError(f"could not start the Lean REPL {' '.join(argv)!r}: {exc}") from exc
        self.argv = argv
        self._frames: queue.Queue[object] = queue.Queue()
        self._stderr: deque[bytes] = deque(maxlen=64)
        self._busy = False
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def _read_stdout(self) -> None:
        decoder = FrameDecoder()
        fd = self._proc.stdout.fileno()  # type: ignore[union-attr]
        try:
            while chunk := os.read(fd, 1 << 16):
                for frame in decoder.feed(chunk):
                    self._frames.put(frame)
        except (OSError, ProtocolError) as exc:
            self._frames.put(exc)
        if decoder.pending.strip():  # the REPL ends its last reply with EOF, not a blank line
            self._frames.put(decoder.pending)
        self._frames.put(_EOF)

    def _read_stderr(self) -> None:
        fd = self._proc.stderr.fileno()  # type: ignore[union-attr]
        try:
            while chunk := os.read(fd, 1 << 16):
                self._stderr.append(chunk)
        except OSError:
            pass

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")[-4000:]

    def call(self, request: Request, timeout: float | None = None) -> Reply:
        """Send `request` and wait for its reply; past `timeout` seconds kill the REPL (`CallKilled`)."""
        if not self.alive():
            raise self._crashed("the Lean REPL is not running")
        try:
            self._proc.stdin.write(encode(request))  # type: ignore[union-attr]
            self._proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise self._crashed(f"the Lean REPL stopped reading its input ({exc})") from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            frame = self._frames.get(timeout=wait)
        except queue.Empty:
            self.kill()
            raise CallKilled(f"the Lean REPL did not answer within {timeout:g}s; its process group was killed") from None
        if frame is _EOF:
            self._wait_exit()
            raise self._crashed("the Lean REPL exited in the middle of a request")
        if isinstance(frame, Exception):
            self.kill()
            raise ProtocolError(f"the Lean REPL's output broke off: {frame}") from frame
        assert isinstance(frame, bytes)
        try:
            return decode(frame)
        except ProtocolError:
            # A process that prints garbage is in an unknown state: never reuse it.
            self.kill()
            raise

    def _wait_exit(self) -> None:
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # closed its output but runs on
            self.kill()

    def _crashed(self, what: str) -> EnvCrashed:
        code = self._proc.poll()
        tail = self.stderr_tail()
        oom = any(sign in tail.lower() for sign in _OOM_SIGNS)
        detail = f" (exit status {code})" if code is not None else ""
        if tail.strip():
            detail += f"; stderr: {tail.strip()[-500:]}"
        return EnvCrashed(f"{what}{detail}", out_of_memory=oom)

    def kill(self) -> None:
        """Kill the REPL and everything it started (``lake env`` and the ``repl`` under it)."""
        lim.kill_process_group(self._proc)

    def close(self) -> None:
        """Close its input (the REPL exits on EOF), then make sure the whole group is gone."""
        if self.alive():
            # Closing must not fail, whatever the state; the kill below settles it.
            with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
                self._proc.stdin.close()  # type: ignore[union-attr]
                self._proc.wait(timeout=1.0)
        self.kill()
