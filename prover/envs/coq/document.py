"""Coq's document (the STM): a chain of sentences with state ids, kept alive across crashes.

coqidetop's document is linear: a sentence can only be added at the tip, and going back
means ``Edit_at``, which discards everything after. `CoqDocument` keeps the chain of
(sentence, state id) it has added, so a caller can ask for any sequence of sentences with
`sync` and only the differing suffix is re-run. When coqidetop dies (crash, kill, memory
cap) the next call respawns it and replays the chain, so recovery is transparent.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass

from prover.envs import limits as lim
from prover.envs.coq.codec import Codec, Fail, Goals, Message, Status, codec_for_version
from prover.envs.coq.driver import CoqProcess, Reply
from prover.envs.process import CallKilled
from prover.errors import EnvCrashed, EnvInitError, ProtocolError, QueryError, StartupTimeout

# Sentences that cannot take a `Timeout N` prefix: bullets, braces, goal-selected braces.
_UNWRAPPABLE = re.compile(r"^\s*([-+*]+|[{}]|(\d+|\[\s*\w+\s*\])\s*:\s*\{)\s*$")
# NUL ends strings inside Coq and lone surrogates cannot be encoded; other control
# characters go through (the codec tolerates their echo).
_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")
_TIMEOUT_PREFIX = re.compile(r"^\s*(Timeout\s+\d+|Time|Fail|Succeed)\b")


@dataclass(frozen=True, slots=True)
class Done:
    """The sentence ran; the document's tip is now `state_id`."""

    state_id: int
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class Failed:
    """Coq rejected the sentence; the document is back where it was."""

    message: str
    location: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class TimedOut:
    """The sentence ran out of time; the document is back where it was (or will be, on respawn)."""

    seconds: float


Outcome = Done | Failed | TimedOut


class ReplayError(EnvInitError):
    """A sentence that succeeded before failed when replayed after a restart."""


class CoqDocument:
    """One coqidetop process and the sentences it has executed."""

    def __init__(self, args: tuple[str, ...] = (), limits: lim.Limits = lim.DEFAULT_LIMITS,
                 cwd: str | None = None) -> None:
        self.args = args
        self.limits = limits
        # Tactics such as lia write caches (.lia.cache) into the working directory: give
        # each document a private one unless the caller chose a directory.
        self._own_cwd = cwd is None
        self.cwd = cwd if cwd is not None else tempfile.mkdtemp(prefix="prover-coq-")
        self._proc: CoqProcess | None = None
        self._codec: Codec = codec_for_version("8.16")
        self.version = ""
        self.root_id = 0
        self._chain: list[tuple[str, int]] = []
        self._route = 1
        self.restarts = 0

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.alive()

    def _spawn(self) -> CoqProcess:
        if self._proc is not None:
            self._proc.kill()
            self.restarts += 1
        if self._own_cwd:
            os.makedirs(self.cwd, exist_ok=True)  # again after close(): the env may be reused
        proc = CoqProcess(self.args, self.limits, self.cwd)
        self._proc = proc
        self._chain = []
        try:
            about = self._codec.value(proc.call(self._codec.about(), self.limits.startup_seconds).value)
            init = self._codec.value(proc.call(self._codec.init(), self.limits.startup_seconds).value)
        except CallKilled as exc:
            raise StartupTimeout(f"coqidetop did not start within {self.limits.startup_seconds}s") from exc
        except EnvCrashed as exc:
            raise EnvInitError(f"coqidetop failed to start: {exc}") from exc
        if isinstance(about, Fail) or isinstance(init, Fail):
            raise EnvInitError(f"coqidetop refused to initialise: {getattr(init, 'message', about)}")
        self.version = self._codec.version_of(about)
        self._codec = codec_for_version(self.version)
        self.root_id = int(init.payload.get("val", "1"))  # type: ignore[union-attr]
        return proc

    def _process(self) -> CoqProcess:
        if self._proc is None or not self._proc.alive():
            self._spawn()
        assert self._proc is not None
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close(self._codec.quit())
            self._proc = None
        self._chain = []
        if self._own_cwd:
            shutil.rmtree(self.cwd, ignore_errors=True)

    @property
    def tip(self) -> int:
        return self._chain[-1][1] if self._chain else self.root_id

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(text for text, _ in self._chain)

    # -- primitive calls ----------------------------------------------------------------
    def _call(self, request: bytes, timeout: float | None) -> Reply:
        return self._process().call(request, timeout)

    def _edit_at(self, state_id: int) -> None:
        value = self._codec.value(self._call(self._codec.edit_at(state_id), self.limits.startup_seconds).value)
        if isinstance(value, Fail):
            raise ProtocolError(f"Edit_at {state_id} refused: {value.message}")
        self._forget_after(state_id)

    def advance(self, sentence: str, timeout: float | None = None) -> Outcome:
        """Add `sentence` at the tip and execute it, within `timeout` seconds if given."""
        if _UNSENDABLE.search(sentence):
            return Failed("the text contains characters that cannot be sent to Coq (NUL or an unpaired surrogate)", None)
        proc = self._process()
        parent = self.tip
        text = sentence
        if timeout is not None and not _UNWRAPPABLE.match(sentence) and not _TIMEOUT_PREFIX.match(sentence):
            text = f"Timeout {lim.whole_seconds(timeout)} {sentence}"
        call_timeout = None if timeout is None else timeout + 0.5
        try:
            added = self._codec.value(proc.call(self._codec.add(text, parent), call_timeout).value)
            if isinstance(added, Fail):
                self._rewind_to(parent)
                return Failed(added.message, _char_span(text, added.location, sentence))
            state_id = self._codec.added_state(added)
            self._chain.append((sentence, state_id))
            reply = proc.call(self._codec.status(), call_timeout)
        except CallKilled:
            self._forget_after(parent)
            return TimedOut(timeout or 0.0)
        except (EnvCrashed, ProtocolError) as exc:
            # The process is gone (killed, out of memory) or was killed for garbling its
            # output; the next call respawns and replays, so this is the sentence's failure.
            self._forget_after(parent)
            memory = getattr(exc, "out_of_memory", False)
            return Failed(f"coqidetop died running this sentence{' (out of memory)' if memory else ''}: {exc}", None)
        status = self._codec.value(reply.value)
        if reply.interrupted:  # answered only after our SIGINT: over time, whatever it says
            if isinstance(status, Fail) and status.message.startswith("User interrupt"):
                self._rewind_to(parent)
            else:
                # Coq answered on its own just as the SIGINT went out; the signal then lands
                # on an idle coqidetop, which exits. Replace it now rather than mid-call later.
                proc.kill()
                self._forget_after(parent)
            return TimedOut(timeout or 0.0)
        if isinstance(status, Fail):
            self._rewind_to(parent)
            if status.message.startswith("Timeout!"):
                return TimedOut(timeout or 0.0)
            return Failed(status.message, _char_span(text, status.location, sentence))
        # Coq repeats some warnings (once when parsing, once when executing): keep one of each.
        messages = tuple(dict.fromkeys(m for f in reply.feedback if (m := self._codec.message_of(f)) is not None))
        return Done(state_id, messages)

    def _forget_after(self, state_id: int) -> None:
        """Drop the chain after `state_id` (after Edit_at, or when the process is gone)."""
        index = next((i for i, (_, sid) in enumerate(self._chain) if sid == state_id), -1)
        del self._chain[index + 1 :]

    def _rewind_to(self, state_id: int) -> None:
        try:
            if self.alive():
                self._edit_at(state_id)
                return
        except EnvCrashed:  # died under us: the next call respawns and replays
            pass
        self._forget_after(state_id)

    def sync(self, sentences: tuple[str, ...] | list[str], timeout: float | None = None) -> list[int]:
        """Make the document exactly `sentences`, re-running only what differs; their state ids.

        After a crash the process is respawned and everything is replayed. A sentence that
        fails on replay raises `ReplayError` (the document then ends before it).
        """
        if not self.alive():
            self._spawn()
        common = 0
        for (have, _), want in zip(self._chain, sentences, strict=False):
            if have != want:
                break
            common += 1
        if common < len(self._chain):
            self._edit_at(self._chain[common - 1][1] if common else self.root_id)
        for sentence in sentences[common:]:
            outcome = self.advance(sentence, timeout)
            if not isinstance(outcome, Done):
                why = outcome.message if isinstance(outcome, Failed) else f"timed out after {outcome.seconds}s"
                raise ReplayError(f"sentence {sentence!r} failed: {why}")
        return [sid for _, sid in self._chain]

    def _status(self) -> Status:
        value = self._codec.value(self._call(self._codec.status(), self.limits.startup_seconds).value)
        if isinstance(value, Fail):
            raise ProtocolError(f"Status failed: {value.message}")
        return self._codec.status_of(value)

    def load_header(self, sentences: tuple[str, ...] | list[str]) -> int:
        """Bring the document to exactly the header `sentences`; the header's state id."""
        try:
            ids = self.sync(sentences, self.limits.startup_seconds)
        except ReplayError as exc:
            raise EnvInitError(f"the header failed: {exc}") from exc
        return ids[-1] if ids else self.root_id

    def status(self) -> tuple[str | None, tuple[str, ...]]:
        """The open proof's name (or None) and the names of all open proofs."""
        status = self._status()
        return status.proof_name, status.all_proofs

    def module_path(self) -> tuple[str, ...]:
        """The module the document is in (``("Top",)`` for a plain session)."""
        return self._status().path

    def goals(self) -> Goals | None:
        """The goal lists at the tip, or None when no proof is open."""
        value = self._codec.value(self._call(self._codec.goal(), self.limits.startup_seconds).value)
        if isinstance(value, Fail):
            raise ProtocolError(f"Goal failed: {value.message}")
        return self._codec.goals_of(value)

    def query(self, text: str, state_id: int | None = None, timeout: float | None = None) -> str:
        """Run a read-only command at `state_id` (default: the tip) and return what it printed."""
        if _UNSENDABLE.search(text):
            raise QueryError("the query contains characters that cannot be sent to Coq (NUL or an unpaired surrogate)")
        self._route += 1
        route = self._route
        sid = self.tip if state_id is None else state_id
        try:
            reply = self._call(self._codec.query(text, sid, route), timeout or self.limits.tactic_seconds)
        except CallKilled as exc:
            raise QueryError(f"query {text!r} timed out") from exc
        value = self._codec.value(reply.value)
        if isinstance(value, Fail):
            if reply.interrupted:
                raise QueryError(f"query {text!r} timed out")
            raise QueryError(value.message)
        messages = [m for f in reply.feedback if (m := self._codec.message_of(f)) is not None]
        return "\n".join(m.text for m in messages if m.route == route and not m.text.startswith("Fetching opaque"))


def _char_span(sent: str, location: tuple[int, int] | None, sentence: str) -> tuple[int, int] | None:
    """Coq's byte offsets into `sent` as character offsets into `sentence` (its suffix)."""
    if location is None:
        return None
    raw = sent.encode()
    shift = len(sent) - len(sentence)
    start, end = (len(raw[:b].decode(errors="ignore")) - shift for b in location)
    return max(0, start), max(0, end)
