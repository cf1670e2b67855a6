"""`FStarEnv`: whole-definition checking over ``fstar.exe --ide``, behind the shared `Env` API.

F* proofs are definitions checked by its SMT-backed type checker, not tactic scripts driven
step by step, so this backend supports `check` only: `start`, `run_tactic` and `query` raise
`UnsupportedOperation`, and ``FStarEnv.supports_tactics`` is False for callers (search, the
shell) to test first.

A theorem is a ``val`` (`Theorem.statement`) in module `Theorem.module`, after `Theorem.header`
(opens, module abbreviations and the ``#push-options`` of its fuel/ifuel/z3rlimit); the proof is
the ``let`` that defines it. `check` keeps one warm F* per (module, header): it pushes the
header once, then for each candidate pushes ``val`` + proof, judges the answer, and pops back
to the header, so every candidate meets a pristine header state. A timed-out or crashed F* is
killed and a fresh one started on the next check.

With ``partial_checked=True`` the theorem's own module must be checked already (its
``.checked`` file on the include path, as FStarDataSet ships them): F* loads the module up to
the declaration itself (``push-partial-checked-file``), so the proof sees exactly the
definitions that precede it, never the original definition.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Self

from prover.envs import limits as lim
from prover.envs.base import ProofState, TacticResult, Theorem, Verdict
from prover.envs.fstar.check import judge, screen_candidate
from prover.envs.fstar.codec import Response, encode_pop, encode_push, encode_request
from prover.envs.fstar.driver import FStarProcess, find_fstar, require_fstar
from prover.envs.process import CallKilled
from prover.errors import ConfigError, EnvCrashed, EnvInitError, ProtocolError, UnsupportedOperation

__all__ = ["FStarEnv", "find_fstar"]

_DEFAULT_MODULE = "ProverCheck"


@dataclass(frozen=True, slots=True)
class _Context:
    module: str
    header: str
    until: str | None
    """The declaration to load the module's checked file up to, in partial-checked mode."""


def _lines(text: str) -> int:
    return text.count("\n")


class FStarEnv:
    """An F* session that checks whole definitions against their ``val``.

    ``with FStarEnv() as env: verdict = env.check(theorem, proof)``. Closing kills fstar.exe and
    its z3 processes.
    """

    supports_tactics: ClassVar[bool] = False
    """F* proofs are checked whole; there are no proof states to step through."""

    def __init__(self, limits: lim.Limits = lim.DEFAULT_LIMITS, include: tuple[str, ...] = (),
                 args: tuple[str, ...] = (), fstar: str | None = None, partial_checked: bool = False) -> None:
        self.limits = limits
        self._include = tuple(str(Path(d).resolve()) for d in include)
        self._args = args
        self._fstar = fstar
        self._partial = partial_checked
        self._workdir = tempfile.TemporaryDirectory(prefix="prover-fstar-")
        self._proc: FStarProcess | None = None
        self._context: _Context | None = None
        self._header_lines = 0
        self.starts = 0
        """How many fstar.exe processes this env started (a timeout or crash costs one more)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        pid = self._proc.pid if self._proc is not None else None
        return f"FStarEnv(pid={pid}, module={self._context.module if self._context else None!r})"

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()
        self._proc, self._context = None, None
        self._workdir.cleanup()

    def healthy(self) -> bool:
        return self._proc is None or self._proc.alive()

    # -- what this backend does not do -----------------------------------------------------
    def start(self, theorem: Theorem) -> ProofState:
        raise UnsupportedOperation(
            "the F* backend does not support interactive proofs (start/run_tactic): F* checks whole "
            "definitions; use check(theorem, proof) and test FStarEnv.supports_tactics first"
        )

    def run_tactic(self, state: ProofState, tactic: str, timeout: float | None = None) -> TacticResult:
        raise UnsupportedOperation(
            "the F* backend does not support run_tactic: F* checks whole definitions; use check(theorem, proof)"
        )

    def query(self, text: str) -> str:
        raise UnsupportedOperation("the F* backend does not support queries; use check(theorem, proof)")

    # -- checking --------------------------------------------------------------------------
    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """Check `proof` (the ``let`` defining the theorem) against the theorem's ``val``."""
        started = time.monotonic()
        if theorem.backend != "fstar":
            raise ConfigError(f"FStarEnv cannot check a {theorem.backend!r} theorem; use open_env({theorem.backend!r})")
        if not theorem.statement.strip():
            return Verdict(False, "the theorem has no `val` statement to check the definition against",
                           seconds=time.monotonic() - started)
        why = screen_candidate(proof, theorem.name)
        if why is not None:
            return Verdict(False, why, seconds=time.monotonic() - started)
        proc = self._ready(theorem)
        code = f"\n{theorem.statement.strip()}\n\n{proof.strip()}\n"
        qid = proc.next_id()
        try:
            reply = proc.call(encode_push(qid, code, line=self._header_lines + 1), qid, self.limits.proof_seconds)
        except CallKilled:
            self._stop()
            return Verdict(False, f"the check exceeded its budget of {self.limits.proof_seconds:g}s",
                           seconds=time.monotonic() - started)
        except (EnvCrashed, ProtocolError):
            self._stop()
            raise
        if reply.interrupted:
            self._stop()  # after an interrupt F*'s document state is not known: start afresh
            return Verdict(False, f"the check exceeded its budget of {self.limits.proof_seconds:g}s",
                           seconds=time.monotonic() - started)
        reason = judge(reply.response)
        messages = tuple(f"{i.level} {i.number}: {i.message.strip()}" for i in reply.response.issues)
        if reply.response.status == "success":
            self._pop(proc)
        return Verdict(reason == "accepted", reason, messages, (), time.monotonic() - started)

    def _pop(self, proc: FStarProcess) -> None:
        qid = proc.next_id()
        try:
            answer = proc.call(encode_pop(qid), qid, self.limits.tactic_seconds)
        except (CallKilled, EnvCrashed, ProtocolError):
            self._stop()
            return
        if answer.response.status != "success":
            self._stop()

    def _ready(self, theorem: Theorem) -> FStarProcess:
        """A live F* whose document is exactly the theorem's header."""
        module = theorem.module or _DEFAULT_MODULE
        if self._partial and theorem.module is None:
            raise ConfigError("partial_checked=True needs Theorem.module (the module whose checked file to load)")
        until = f"{module}.{theorem.name.rsplit('.', 1)[-1]}" if self._partial else None
        context = _Context(module, theorem.header.strip(), until)
        if self._proc is not None and self._proc.alive() and self._context == context:
            return self._proc
        self._stop()
        return self._spawn(context)

    def _spawn(self, context: _Context) -> FStarProcess:
        workdir = Path(self._workdir.name)
        source = workdir / f"{context.module}.fst"
        source.write_text(f"module {context.module}\n", encoding="utf-8")
        argv = [self._fstar or require_fstar(), "--ide", source.name, "--report_assumes", "warn"]
        for directory in self._include:
            argv += ["--include", directory]
        argv += list(self._args)
        proc = FStarProcess(argv, self.limits, cwd=str(workdir))
        self.starts += 1
        try:
            if context.until is not None:
                self._expect(proc, "push-partial-checked-file", {"until-lid": context.until},
                             f"loading {context.module} up to {context.until}")
                prelude, first_line = "", 1
            else:
                prelude, first_line = f"module {context.module}\n", 1
            header = f"{prelude}{context.header}\n" if context.header else prelude
            self._header_lines = _lines(header)
            if header:
                qid = proc.next_id()
                reply = proc.call(encode_push(qid, header, line=first_line), qid, self.limits.startup_seconds)
                self._require_success(reply.response, "the theorem's header")
        except BaseException:
            proc.kill()
            raise
        self._proc, self._context = proc, context
        return proc

    def _expect(self, proc: FStarProcess, query: str, args: dict[str, str], what: str) -> None:
        qid = proc.next_id()
        reply = proc.call(encode_request(qid, query, args), qid, self.limits.startup_seconds)
        self._require_success(reply.response, what)

    @staticmethod
    def _require_success(response: Response, what: str) -> None:
        why = judge(response)
        if why != "accepted":
            raise EnvInitError(f"{what} failed in F*: {why}")

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
        self._proc, self._context = None, None
