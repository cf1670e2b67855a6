"""The Lean REPL process: send one request, read its reply frame.

Knows nothing about goals or proofs. The REPL has no timeout and no memory cap of its own,
and it does not answer an interrupt, so a request that outlives its deadline gets its
process group killed (`prover.envs.process.CallKilled`); the caller respawns and replays.
The memory cap is RLIMIT_AS from `limits.spawn`. Spawning, deadlines, the kill and turning
every failure (broken pipe, EOF, output that is not a reply) into `prover.errors` exceptions
are `prover.envs.process.ChildProcess`'s.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from typing import IO

from prover.envs import limits as lim
from prover.envs.lean.codec import FrameDecoder, Reply, Request, decode, encode
from prover.envs.process import ChildProcess, chunks
from prover.errors import EnvInitError, ProtocolError


class ReplProcess(ChildProcess):
    """One running REPL (``repl`` or ``lake env repl``), reading requests on stdin."""

    # What Lean's runtime prints when an allocation fails under RLIMIT_AS.
    oom_signs = ("out of memory", "std::bad_alloc", "cannot allocate", "failed to allocate")
    interruptible = False

    def __init__(self, argv: tuple[str, ...], limits: lim.Limits, cwd: str | None = None) -> None:
        if not argv:
            raise EnvInitError("no REPL command given")
        super().__init__(list(argv), limits, cwd, name="the Lean REPL", decode=_frames)
        self.argv = argv

    def call(self, request: Request, timeout: float | None = None) -> Reply:
        """Send `request` and wait for its reply; past `timeout` seconds kill the REPL (`CallKilled`)."""
        self.send(encode(request))
        (frame,), _ = self.receive(timeout, "request", lambda _: True)
        assert isinstance(frame, bytes)
        try:
            return decode(frame)
        except ProtocolError:
            # A process that prints garbage is in an unknown state: never reuse it.
            self.kill()
            raise

    def close(self) -> None:
        """Close its input (the REPL exits on EOF), then make sure the whole group is gone."""
        if self.alive():
            # Closing must not fail, whatever the state; the kill below settles it.
            with contextlib.suppress(OSError, ValueError, subprocess.TimeoutExpired):
                self._proc.stdin.close()  # type: ignore[union-attr]
                self._proc.wait(timeout=1.0)
        self.kill()


def _frames(stdout: IO[bytes]) -> Iterator[bytes]:
    decoder = FrameDecoder()
    for chunk in chunks(stdout):
        yield from decoder.feed(chunk)
    if decoder.pending.strip():  # the REPL ends its last reply with EOF, not a blank line
        yield decoder.pending
