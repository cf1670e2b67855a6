"""The coqidetop process: spawn, send one call, read its full reply, interrupt, kill.

Knows nothing about goals or documents. Every way the process can fail (broken pipe,
EOF, undecodable output, a call that outlives its deadline) is turned here into
`prover.errors` exceptions, so callers never see an OSError from a dead pipe.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass

from prover.envs import limits as lim
from prover.envs.coq.codec import FrameDecoder
from prover.errors import EnvCrashed, EnvInitError, ProtocolError, ProverError, ProverTimeout

_EOF = object()


class CallKilled(ProverTimeout):
    """A call outlived its deadline and the interrupt; the process group was killed."""


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything coqidetop sent for one call: feedback, then the value."""

    feedback: tuple[ET.Element, ...]
    value: ET.Element
    interrupted: bool = False
    """True when the value is Coq's answer to our SIGINT after the deadline passed."""


def find_coqidetop() -> str:
    """Path of coqidetop (``coqidetop.opt`` on Debian)."""
    for name in ("coqidetop.opt", "coqidetop"):
        path = shutil.which(name)
        if path:
            return path
    raise EnvInitError(
        "coqidetop was not found on PATH; install Coq (Debian: `apt-get install coq`, or run `make demo`)"
    )


class CoqProcess:
    """One running ``coqidetop -main-channel stdfds -async-proofs off``."""

    def __init__(self, args: tuple[str, ...], limits: lim.Limits, cwd: str | None = None) -> None:
        argv = [find_coqidetop(), "-main-channel", "stdfds", "-async-proofs", "off", *args]
        try:
            self._proc = lim.spawn(argv, limits, cwd=cwd)
        except OSError as exc:
            raise EnvInitError(f"could not start coqidetop: {exc}") from exc
        self._limits = limits
        self._frames: queue.Queue[object] = queue.Queue()
        self._stderr: deque[bytes] = deque(maxlen=64)
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

    def call(self, request: bytes, timeout: float | None = None) -> Reply:
        """Send one call and wait for its value; bounded by `timeout` seconds if given.

        Past the deadline the process is interrupted; if it does not answer within the
        grace period, its process group is killed and `CallKilled` is raised.
        """
        if not self.alive():
            raise self._crashed("coqidetop is not running")
        try:
            self._proc.stdin.write(request)  # type: ignore[union-attr]
            self._proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise self._crashed(f"coqidetop stopped reading its input ({exc})") from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        feedback: list[ET.Element] = []
        interrupted = False
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = self._frames.get(timeout=wait)
            except queue.Empty:
                if interrupted:
                    self.kill()
                    raise CallKilled("coqidetop did not answer an interrupt; its process group was killed")
                lim.interrupt(self._proc)
                interrupted = True
                deadline = time.monotonic() + self._limits.interrupt_grace_seconds
                continue
            if frame is _EOF:
                self._proc.wait()
                raise self._crashed("coqidetop exited in the middle of a call")
            if isinstance(frame, Exception):
                self.kill()
                raise ProtocolError(f"coqidetop's output broke off: {frame}") from frame
            assert isinstance(frame, ET.Element)
            if frame.tag == "value":
                return Reply(tuple(feedback), frame, interrupted)
            feedback.append(frame)

    def _crashed(self, what: str) -> EnvCrashed:
        code = self._proc.poll()
        tail = self.stderr_tail()
        oom = "out of memory" in tail.lower() or "cannot allocate" in tail.lower()
        detail = f" (exit status {code})" if code is not None else ""
        if tail.strip():
            detail += f"; stderr: {tail.strip()[-500:]}"
        return EnvCrashed(f"{what}{detail}", out_of_memory=oom)

    def kill(self) -> None:
        """Kill coqidetop and everything it started (ATPs run by hammer included)."""
        lim.kill_process_group(self._proc)

    def close(self, quit_request: bytes | None = None) -> None:
        """Ask coqidetop to quit, then make sure the whole group is gone."""
        if quit_request is not None and self.alive():
            with contextlib.suppress(ProverError):  # closing must not fail, whatever the state
                self.call(quit_request, timeout=1.0)
        self.kill()
