"""The coqidetop process: send one call, read its full reply (feedback, then the value).

Knows nothing about goals or documents. Spawning, deadlines, the interrupt, the kill and
turning every failure (broken pipe, EOF, undecodable output, a call that outlives its
deadline) into `prover.errors` exceptions are `prover.envs.process.ChildProcess`'s, so
callers never see an OSError from a dead pipe.
"""

from __future__ import annotations

import contextlib
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from prover.envs import limits as lim
from prover.envs.coq.codec import FrameDecoder
from prover.envs.process import ChildProcess, chunks
from prover.errors import EnvInitError, ProverError


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


class CoqProcess(ChildProcess):
    """One running ``coqidetop -main-channel stdfds -async-proofs off``."""

    def __init__(self, args: tuple[str, ...], limits: lim.Limits, cwd: str | None = None) -> None:
        argv = [find_coqidetop(), "-main-channel", "stdfds", "-async-proofs", "off", *args]
        super().__init__(argv, limits, cwd, name="coqidetop", decode=_frames)

    def call(self, request: bytes, timeout: float | None = None) -> Reply:
        """Send one call and wait for its value; bounded by `timeout` seconds if given.

        Past the deadline the process is interrupted; if it does not answer within the
        grace period, its process group is killed and `CallKilled` is raised.
        """
        self.send(request)
        frames, interrupted = self.receive(timeout, "call", lambda f: isinstance(f, ET.Element) and f.tag == "value")
        value = frames.pop()
        assert isinstance(value, ET.Element)
        return Reply(tuple(f for f in frames if isinstance(f, ET.Element)), value, interrupted)

    def close(self, quit_request: bytes | None = None) -> None:
        """Ask coqidetop to quit, then make sure the whole group is gone."""
        if quit_request is not None and self.alive():
            with contextlib.suppress(ProverError):  # closing must not fail, whatever the state
                self.call(quit_request, timeout=1.0)
        self.kill()


def _frames(stdout: IO[bytes]) -> Iterator[ET.Element]:
    decoder = FrameDecoder()
    for chunk in chunks(stdout):
        yield from decoder.feed(chunk)
