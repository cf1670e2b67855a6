"""The ``fstar.exe --ide`` process: read its banner, send one query, read until its response.

Knows nothing about proofs. A query past its deadline is interrupted (SIGINT, which F*
advertises as its ``interrupt`` feature); if no response follows within the grace period the
whole process group is killed (`prover.envs.process.CallKilled`). Spawning, deadlines, the
kill and turning every failure (broken pipe, EOF, an undecodable line) into `prover.errors`
exceptions are `prover.envs.process.ChildProcess`'s.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import shutil
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from prover.envs import limits as lim
from prover.envs.fstar.codec import Message, ProtocolInfo, Response, decode_line, encode_exit
from prover.envs.process import EOF, ChildProcess
from prover.errors import EnvInitError, ProtocolError, ProverError, StartupTimeout


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


class FStarProcess(ChildProcess):
    """One running ``fstar.exe --ide FILE`` (plus the flags given)."""

    def __init__(self, argv: list[str], limits: lim.Limits, cwd: str | None = None) -> None:
        self._noise: deque[str] = deque(maxlen=64)
        self._ids = itertools.count(1)
        super().__init__(argv, limits, cwd, name="fstar.exe", decode=self._lines)
        self.info = self._banner(limits.startup_seconds)

    def next_id(self) -> str:
        return str(next(self._ids))

    def _lines(self, stdout: IO[bytes]) -> Iterator[object]:
        """Each JSON line's frame; a line that is not F*'s JSON is kept as noise for error messages."""
        for line in iter(stdout.readline, b""):
            try:
                frame = decode_line(line)
            except ProtocolError as exc:
                yield exc
                continue
            if frame is None:
                if line.strip():
                    self._noise.append(line.decode(errors="replace").rstrip())
                continue
            yield frame

    def _banner(self, timeout: float) -> ProtocolInfo:
        try:
            frame = self._frames.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise StartupTimeout(f"fstar.exe printed no protocol-info within {timeout:g}s") from None
        if isinstance(frame, ProtocolInfo):
            return frame
        self.kill()
        if frame is EOF:
            raise EnvInitError(f"fstar.exe exited at startup{self.detail()}")
        raise EnvInitError(f"fstar.exe did not start with protocol-info but with {frame!r}")

    def call(self, request: bytes, query_id: str, timeout: float | None = None) -> Reply:
        """Send one request and wait for the response with `query_id`; bounded by `timeout` if given.

        A response to another query id (a late answer to an interrupted query) is stale and passed over.
        """
        self.send(request)
        frames, interrupted = self.receive(
            timeout, "query", lambda f: isinstance(f, Response) and f.query_id == query_id)
        response = frames.pop()
        assert isinstance(response, Response)
        messages = tuple(f for f in frames if isinstance(f, Message) and f.query_id in (None, query_id))
        return Reply(messages, response, interrupted)

    def detail(self) -> str:
        code = self._proc.poll()
        detail = f" (exit status {code})" if code is not None else ""
        tail = (self.stderr_tail().strip() or "\n".join(self._noise)).strip()
        if tail:
            detail += f"; output: {tail[-500:]}"
        return detail

    def close(self) -> None:
        """Ask F* to exit, then make sure the whole group is gone (its z3 processes included)."""
        if self.alive():
            qid = self.next_id()
            with contextlib.suppress(ProverError):  # closing must not fail, whatever the state
                self.call(encode_exit(qid), qid, timeout=1.0)
        self.kill()
