"""The ``fstar.exe --ide`` process: spawn, read its banner, send one query, read until its response.

Knows nothing about proofs. Every way the process can fail (broken pipe, EOF, an undecodable
line, a query that outlives its deadline) is turned here into `prover.errors` exceptions. A
query past its deadline is interrupted (SIGINT, which F* advertises as its ``interrupt``
feature); if no response follows within the grace period the whole process group is killed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from prover.envs import limits as lim
from prover.envs.fstar.codec import Message, ProtocolInfo, Response, decode_line, encode_exit
from prover.errors import EnvCrashed, EnvInitError, ProtocolError, ProverError, ProverTimeout, StartupTimeout

_EOF = object()


class QueryKilled(ProverTimeout):
    """A query outlived its deadline and the interrupt; the process group was killed."""


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything F* sent for one query: its messages, then the response."""

    messages: tuple[Message, ...]
    response: Response
    interrupted: bool = False
    """True when the response came after our interrupt (the query ran out of time)."""


def find_fstar() -> str | None:
    """Path of ``fstar.exe`` (``$FSTAR_EXE``, then PATH, then ``$FSTAR_HOME/bin``), or None."""
    candidates = [os.environ.get("FSTAR_EXE"), shutil.which("fstar.exe"), shutil.which("fstar")]
    home = os.environ.get("FSTAR_HOME")
    if home:
        candidates.append(str(Path(home) / "bin" / "fstar.exe"))
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def require_fstar() -> str:
    """Path of ``fstar.exe``; EnvInitError saying how to install it when there is none."""
    path = find_fstar()
    if path is None:
        raise EnvInitError(
            "fstar.exe was not found (looked at $FSTAR_EXE, PATH and $FSTAR_HOME/bin): install an F* binary "
            "release from https://github.com/FStarLang/FStar/releases (it bundles z3) and put its bin/ on PATH, "
            "or use the docker/fstar image"
        )
    return path


class FStarProcess:
    """One running ``fstar.exe --ide FILE`` (plus the flags given)."""

    def __init__(self, argv: list[str], limits: lim.Limits, cwd: str | None = None) -> None:
        try:
            self._proc = lim.spawn(argv, limits, cwd=cwd)
        except OSError as exc:
            raise EnvInitError(f"could not start {argv[0]}: {exc}") from exc
        self._limits = limits
        self._frames: queue.Queue[object] = queue.Queue()
        self._stderr: deque[bytes] = deque(maxlen=64)
        self._noise: deque[str] = deque(maxlen=64)
        self._ids = itertools.count(1)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.info = self._banner(limits.startup_seconds)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def next_id(self) -> str:
        return str(next(self._ids))

    def _read_stdout(self) -> None:
        stream = self._proc.stdout
        assert stream is not None
        try:
            for line in iter(stream.readline, b""):
                try:
                    frame = decode_line(line)
                except ProtocolError as exc:
                    self._frames.put(exc)
                    continue
                if frame is None:
                    if line.strip():
                        self._noise.append(line.decode(errors="replace").rstrip())
                    continue
                self._frames.put(frame)
        except (OSError, ValueError) as exc:
            self._frames.put(exc)
        self._frames.put(_EOF)

    def _read_stderr(self) -> None:
        fd = self._proc.stderr.fileno()  # type: ignore[union-attr]
        with contextlib.suppress(OSError):
            while chunk := os.read(fd, 1 << 16):
                self._stderr.append(chunk)

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")[-4000:]

    def _banner(self, timeout: float) -> ProtocolInfo:
        try:
            frame = self._frames.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise StartupTimeout(f"fstar.exe printed no protocol-info within {timeout:g}s") from None
        if isinstance(frame, ProtocolInfo):
            return frame
        self.kill()
        if frame is _EOF:
            raise EnvInitError(f"fstar.exe exited at startup{self._detail()}")
        raise EnvInitError(f"fstar.exe did not start with protocol-info but with {frame!r}")

    def call(self, request: bytes, query_id: str, timeout: float | None = None) -> Reply:
        """Send one request and wait for the response with `query_id`; bounded by `timeout` if given."""
        if not self.alive():
            raise self._crashed("fstar.exe is not running")
        try:
            self._proc.stdin.write(request)  # type: ignore[union-attr]
            self._proc.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError) as exc:
            raise self._crashed(f"fstar.exe stopped reading its input ({exc})") from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        messages: list[Message] = []
        interrupted = False
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self._frames.get(timeout=wait)
            except queue.Empty:
                if interrupted:
                    self.kill()
                    raise QueryKilled("fstar.exe did not answer an interrupt; its process group was killed") from None
                lim.interrupt(self._proc)
                interrupted = True
                deadline = time.monotonic() + self._limits.interrupt_grace_seconds
                continue
            if frame is _EOF:
                self._proc.wait()
                raise self._crashed("fstar.exe exited in the middle of a query")
            if isinstance(frame, Exception):
                self.kill()
                raise ProtocolError(f"fstar.exe's output broke off: {frame}") from frame
            if isinstance(frame, Message):
                if frame.query_id in (None, query_id):
                    messages.append(frame)
                continue
            if isinstance(frame, Response) and frame.query_id == query_id:
                return Reply(tuple(messages), frame, interrupted)
            # A response to another query id (a late answer to an interrupted query) is stale.

    def _detail(self) -> str:
        code = self._proc.poll()
        detail = f" (exit status {code})" if code is not None else ""
        tail = (self.stderr_tail().strip() or "\n".join(self._noise)).strip()
        if tail:
            detail += f"; output: {tail[-500:]}"
        return detail

    def _crashed(self, what: str) -> EnvCrashed:
        tail = self.stderr_tail().lower()
        oom = "out of memory" in tail or "cannot allocate" in tail
        return EnvCrashed(f"{what}{self._detail()}", out_of_memory=oom)

    def kill(self) -> None:
        """Kill fstar.exe and everything it started (its z3 processes included)."""
        lim.kill_process_group(self._proc)

    def close(self) -> None:
        """Ask F* to exit, then make sure the whole group is gone."""
        if self.alive():
            qid = self.next_id()
            with contextlib.suppress(ProverError):  # closing must not fail, whatever the state
                self.call(encode_exit(qid), qid, timeout=1.0)
        self.kill()
