"""Replay a whole ``.v`` file sentence by sentence through a `CoqDocument`.

This is what dataset extraction and the standard-library benchmark build on: the file is
cut into sentences with `split_sentences`, each sentence is added and executed in order
(under ``Timeout N`` with N = ``limits.proof_seconds``), and with ``goals=True`` the goals
are fetched after every sentence, so each step is known with the goals it ran on and the
goals it left. The replay stops at the first sentence Coq rejects (or that times out) and
reports it as a `ReplayFailure`.

Flags, chosen by `replay_args` the way Coq's own build compiles the file::

    -topfile PATH     the file's own module name, derived from the load path exactly as
                      ``coqc PATH`` derives it (``Coq.Classes.DecidableClass``), so that
                      self-qualified references resolve (DecidableClass.v says
                      ``DecidableClass.Decidable``); outside the load path it is the file's
                      base name. ``-top NAME`` instead when `logical_name` is given.
    -noinit           for the standard library's own ``theories/Init`` files, which build
                      the prelude and cannot load it first.

Libraries a file requires are found through the default load path (the installed
standard library and user-contrib); pass ``-R``/``-Q`` in `args` for others (`coq_args`).

Measured on the installed standard library (``bench/stdlib_replay.py``): 561 of its 562
files replay to the end, cut exactly where ``coqc`` cuts them; Strings/String.v stops at
its last sentence, whose string literal holds a BEL character that `CoqDocument` refuses
to send. Replay with goals takes 1.1-1.3x the time ``coqc`` takes to compile the same
files (``bench/coq_env.py``).

Goals never go into the result (a large file has thousands of goal lists): pass
``on_step`` to receive a `ReplayStep` per executed sentence. `FileReplay` only counts them.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from prover.envs import limits as lim
from prover.envs.coq.codec import Goals, Message
from prover.envs.coq.document import CoqDocument, Done, Failed
from prover.envs.coq.sentences import Sentence, SentenceSplitError, split_sentences
from prover.errors import EnvCrashed

__all__ = [
    "FileReplay",
    "ReplayFailure",
    "ReplayStep",
    "coqlib",
    "replay_args",
    "replay_file",
]

FailureKind = Literal["error", "timeout", "crash", "split"]


@dataclass(frozen=True, slots=True)
class ReplayFailure:
    """The sentence where a replay stopped, and why."""

    index: int
    """0-based index of the sentence among the file's sentences (0 for a split failure)."""
    line: int
    """1-based line of the sentence's first character in the file."""
    text: str
    """The sentence as written in the file (empty for a split failure)."""
    message: str
    """Coq's error message, or what went wrong."""
    kind: FailureKind = "error"
    """``error`` (Coq rejected it), ``timeout``, ``crash`` (coqidetop died) or ``split``
    (the file could not be cut into sentences)."""


@dataclass(frozen=True, slots=True)
class FileReplay:
    """The outcome of replaying one file."""

    path: str
    module: str
    """The file's logical module name as Coq set it (``Coq.Arith.PeanoNat``)."""
    sentences: int
    """How many sentences the file has."""
    replayed: int
    """How many of them ran successfully (all of them when `failure` is None)."""
    seconds: float
    """Wall time of the replay, starting coqidetop included, closing it excluded."""
    proof_steps: int = 0
    """Sentences executed with a proof open before or after them (goals fetched for each),
    0 when goals were not fetched."""
    failure: ReplayFailure | None = None

    @property
    def ok(self) -> bool:
        """True when every sentence of the file ran."""
        return self.failure is None


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One executed sentence with the goals around it (given to ``on_step``)."""

    index: int
    """0-based index of the sentence in the file."""
    sentence: Sentence
    """The sentence with its offsets and line in the file."""
    before: Goals | None
    """Goals when the sentence ran; None when no proof was open (or goals were not fetched)."""
    after: Goals | None
    """Goals the sentence left; None when no proof is open after it (``Qed``, a definition)."""
    messages: tuple[Message, ...] = ()
    """What Coq printed while executing it (warnings, ``Check`` output, ...)."""


StepCallback = Callable[[ReplayStep], None]

_SPLIT_LINE = re.compile(r"\bline (\d+)")
_DIED = "coqidetop died"  # how `CoqDocument.advance` words a sentence that killed coqidetop


@functools.cache
def coqlib() -> str:
    """Coq's library directory (``coqc -where``), holding ``theories`` and ``user-contrib``."""
    try:
        out = subprocess.run(["coqc", "-where"], capture_output=True, text=True, check=True, timeout=30)
        return os.path.realpath(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return "/usr/lib/ocaml/coq"


def _is_init_file(path: str) -> bool:
    """True for the standard library's ``theories/Init/*.v``, which must run with ``-noinit``."""
    init = os.path.join(coqlib(), "theories", "Init") + os.sep
    return os.path.realpath(path).startswith(init)


def replay_args(path: str | os.PathLike[str], logical_name: str | None = None,
                args: tuple[str, ...] = ()) -> tuple[str, ...]:
    """coqidetop flags to replay `path` as its own module, after the caller's `args`."""
    full = os.path.abspath(os.fspath(path))
    flags = list(args)
    if "-noinit" not in flags and ((logical_name or "").startswith("Coq.Init.") or _is_init_file(full)):
        flags.append("-noinit")
    if "-top" not in flags and "-topfile" not in flags:
        flags += ["-top", logical_name] if logical_name else ["-topfile", full]
    return tuple(flags)


def _split_failure(exc: SentenceSplitError) -> ReplayFailure:
    found = _SPLIT_LINE.search(str(exc))
    return ReplayFailure(0, int(found.group(1)) if found else 0, "", str(exc), "split")


def replay_file(
    path: str | os.PathLike[str],
    *,
    logical_name: str | None = None,
    args: tuple[str, ...] = (),
    limits: lim.Limits = lim.DEFAULT_LIMITS,
    goals: bool = True,
    on_step: StepCallback | None = None,
    document: CoqDocument | None = None,
) -> FileReplay:
    """Replay every sentence of `path` in order, stopping at the first one that fails.

    `logical_name` overrides the module name Coq derives from the load path; `args` are
    extra coqidetop flags (load paths from `coq_args`). Each sentence gets
    ``limits.proof_seconds``. With `goals`, the goals are fetched after every sentence and
    passed to `on_step` (called for every executed sentence either way).

    A `document` of the caller's is used instead of a fresh coqidetop: it must have been
    started with ``replay_args(path, ...)`` (``-topfile``/``-noinit`` are fixed at startup);
    it is rewound to its root first and left open. Raises only for broken infrastructure
    (`prover.errors`); a rejected sentence, a timeout or a crash of coqidetop is a failure.
    """
    name = os.fspath(path)
    with open(name, encoding="utf-8") as handle:
        source = handle.read()
    start = time.monotonic()
    try:
        sentences = split_sentences(source)
    except SentenceSplitError as exc:
        return FileReplay(name, logical_name or "", 0, 0, time.monotonic() - start, failure=_split_failure(exc))
    doc = document if document is not None else CoqDocument(replay_args(name, logical_name, args), limits)
    try:
        doc.sync(())
        module = ".".join(doc.module_path())
        replayed, proof_steps, failure = _run(doc, sentences, limits.proof_seconds, goals, on_step)
        return FileReplay(name, module, len(sentences), replayed, time.monotonic() - start, proof_steps, failure)
    finally:
        if document is None:
            doc.close()


def _run(doc: CoqDocument, sentences: list[Sentence], timeout: float, goals: bool,
         on_step: StepCallback | None) -> tuple[int, int, ReplayFailure | None]:
    """Execute `sentences`; (how many ran, how many had a proof open, the failure if any)."""
    before: Goals | None = None
    proof_steps = 0
    for index, sentence in enumerate(sentences):
        try:
            outcome = doc.advance(sentence.text, timeout)
            after = doc.goals() if goals and isinstance(outcome, Done) else None
        except EnvCrashed as exc:
            return index, proof_steps, ReplayFailure(index, sentence.line, sentence.text, str(exc), "crash")
        if isinstance(outcome, Failed):
            kind: FailureKind = "crash" if outcome.message.startswith(_DIED) else "error"
            return index, proof_steps, ReplayFailure(index, sentence.line, sentence.text, outcome.message, kind)
        if not isinstance(outcome, Done):
            why = f"timed out after {outcome.seconds:g}s"
            return index, proof_steps, ReplayFailure(index, sentence.line, sentence.text, why, "timeout")
        if before is not None or after is not None:
            proof_steps += 1
        if on_step is not None:
            on_step(ReplayStep(index, sentence, before, after, outcome.messages))
        before = after
    return len(sentences), proof_steps, None
