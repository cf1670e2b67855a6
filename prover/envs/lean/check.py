"""Sound checking of a whole Lean proof, in a pristine REPL environment.

The checker writes the declaration itself: the theorem's statement, exactly as given,
then ``:=`` and the candidate's body, elaborated on top of the header's environment
(which Lean never mutates, so every check starts from the same state). It accepts only
when Lean reports no error, no ``sorry`` (neither a sorry nor the "declaration uses
sorry" warning), and ``#print axioms`` on the theorem lists nothing outside the allowed
axioms (propext, Classical.choice, Quot.sound by default; ``sorryAx`` and
``Lean.ofReduceBool`` from ``native_decide`` are therefore rejected).

Before anything runs, `screen` refuses text that could escape the proof: new axioms,
``unsafe``, ``implemented_by``/``extern``, ``#exit`` and every other ``#`` command,
``set_option debug.skipKernelTC``, meta-programs that touch the environment
(``run_cmd``, ``run_tac``, ``elab`` ...), syntax definitions (``macro``, ``notation``
...), and any other command keyword, so the body cannot end the declaration and add or
redefine anything after it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from prover.envs.base import Theorem, Verdict
from prover.envs.lean.codec import Command, CommandReply, ErrorReply, Message, Reply, parse_axioms
from prover.envs.lean.session import LeanSession, split_header
from prover.envs.process import CallKilled
from prover.errors import EnvCrashed, EnvInitError, ProtocolError

DEFAULT_AXIOMS = ("Classical.choice", "Quot.sound", "propext")
"""The axioms of Lean's standard foundations; what a Mathlib proof may use."""

_FORBIDDEN: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sorry", "admit", "sorryAx"), "leaves the goal unproved"),
    (("axiom", "axioms"), "declares an axiom"),
    (("unsafe", "implemented_by", "extern", "csimp"), "bypasses the kernel or the compiler's checks"),
    (("run_cmd", "run_elab", "run_meta", "run_tac", "elab", "elab_rules", "initialize", "builtin_initialize"),
     "runs a meta-program that can change the environment"),
    (("macro", "macro_rules", "syntax", "notation", "infix", "infixl", "infixr", "prefix", "postfix",
      "declare_syntax_cat", "binder_predicate"), "defines syntax"),
    (("theorem", "lemma", "def", "abbrev", "instance", "example", "structure", "class", "inductive", "opaque",
      "namespace", "section", "end", "noncomputable", "attribute", "export", "universe", "variable",
      "mutual", "private", "protected", "import"), "starts another command after the proof"),
)
_FORBIDDEN_RE = tuple(
    (re.compile(r"(?<![\w.'!?])(" + "|".join(map(re.escape, words)) + r")(?![\w'!?])"), why)
    for words, why in _FORBIDDEN
)
_HASH_COMMAND = re.compile(r"(?<![\w.'])#[A-Za-z_]\w*")
_DEBUG_OPTION = re.compile(r"\bdebug\.|skipKernelTC")
_LINE_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SORRY_WARNING = re.compile(r"declaration uses ['`]sorry['`]")


def code_only(text: str) -> str:
    """`text` without comments and string literals (what the screen looks at)."""
    previous = None
    while previous != text:  # Lean's block comments nest: peel innermost-first
        previous = text
        text = re.sub(r"/-(?:(?!/-|-/).)*?-/", " ", text, flags=re.DOTALL)
    text = _STRING.sub('""', text)
    return _LINE_COMMENT.sub(" ", text)


def screen(text: str) -> str | None:
    """Why `text` may not appear in a proof (a tactic or a whole body), or None if it may."""
    code = code_only(text)
    if "/-" in code:
        return "an unterminated block comment"
    if _DEBUG_OPTION.search(code):
        return "debug options (debug.skipKernelTC) turn off kernel checks"
    if (found := _HASH_COMMAND.search(code)) is not None:
        return f"{found.group()!r}: commands (#exit, #eval, ...) cannot appear in a proof"
    for pattern, why in _FORBIDDEN_RE:
        if (found := pattern.search(code)) is not None:
            return f"{found.group(1)!r} {why}"
    return None


_STATEMENT_TAIL = re.compile(r"\s*:=\s*(by\b\s*)?(sorry\s*)?$")


def statement_head(statement: str) -> str:
    """The declaration up to its ``:=`` (a trailing ``:=``, ``:= by`` or ``:= by sorry`` removed)."""
    return _STATEMENT_TAIL.sub("", statement.strip()).strip()


def _words_pattern(text: str) -> str:
    return r"\s+".join(map(re.escape, text.split()))


@dataclass(frozen=True, slots=True)
class Body:
    """What the checker writes after ``statement :=``."""

    text: str


def parse_candidate(theorem: Theorem, proof: str) -> Body | str:
    """The body to put after ``:=``, or why `proof` cannot be a proof of `theorem`.

    Accepted forms: a tactic script (``intro n\\nsimp``), ``by ...``, a term after
    ``:= ...``, or the whole declaration (optionally after the header), whose statement
    must then be the given one up to whitespace.
    """
    text = proof.strip()
    header = theorem.header.strip()
    if header and (found := re.match(r"\s*" + _words_pattern(header), text)) is not None:
        text = text[found.end():].strip()
    head = statement_head(theorem.statement)
    restated = re.match(r"\s*" + _words_pattern(head) + r"\s*:=", text)
    if restated is not None:
        text = text[restated.end():].strip()
        if not text:
            return "the proof is empty"
        return _checked(text)
    if re.match(r"(@\[[^\]]*\]\s*)?(private\s+|protected\s+)?(theorem|lemma|example|def)\b", text):
        return "the proof restates the theorem with a different statement"
    if text.startswith(":="):
        text = text[2:].strip()
        return _checked(text) if text else "the proof is empty"
    if not text:
        return "the proof is empty"
    if re.match(r"by\b", text):
        return _checked(text)
    return _checked("by\n" + "\n".join("  " + line for line in text.splitlines()))


def _checked(body: str) -> Body | str:
    why = screen(body)
    return f"the proof is not allowed: {why}" if why is not None else Body(body)


class LeanChecker:
    """Checks whole proofs in its own REPL, each on top of the header's untouched environment."""

    def __init__(self, session: LeanSession, allowed_axioms: tuple[str, ...] = DEFAULT_AXIOMS) -> None:
        self.session = session
        self.allowed_axioms = allowed_axioms
        self._header_envs: dict[tuple[int, str, str], int] = {}

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        start = time.monotonic()
        body = parse_candidate(theorem, proof)
        if isinstance(body, str):
            return Verdict(False, body, seconds=time.monotonic() - start)
        try:
            reason, messages, axioms = self._run(theorem, body)
        except CallKilled:
            reason, messages, axioms = f"the proof exceeded its budget of {self.session.limits.proof_seconds:g}s", [], []
        except EnvCrashed as exc:
            memory = " (out of memory)" if exc.out_of_memory else ""
            reason, messages, axioms = f"the Lean REPL died checking the proof{memory}: {exc}", [], []
        except ProtocolError as exc:
            reason, messages, axioms = f"the Lean REPL's answer was unreadable: {exc}", [], []
        return Verdict(reason == "accepted", reason, tuple(messages), tuple(axioms), time.monotonic() - start)

    def header_env(self, header: str) -> int | None:
        """The environment after `header` in the checker's REPL (cached for its process)."""
        imports, rest = split_header(header)
        env = self.session.base_env(imports)
        if not rest:
            return env
        key = (self.session.generation, imports, rest)
        if key not in self._header_envs:
            reply = self.session.send(Command(rest, env), self.session.limits.startup_seconds)
            failure = _failure(reply)
            if failure is not None:
                raise EnvInitError(f"the header failed: {failure}")
            assert isinstance(reply, CommandReply)
            self._header_envs = {k: v for k, v in self._header_envs.items() if k[0] == self.session.generation}
            self._header_envs[key] = reply.env
        return self._header_envs[key]

    def _run(self, theorem: Theorem, body: Body) -> tuple[str, list[str], list[str]]:
        env = self.header_env(theorem.header)
        head = statement_head(theorem.statement)
        reply = self.session.send(Command(f"{head} :=\n{body.text}", env), self.session.limits.proof_seconds)
        why = judge_compiled(reply)
        messages = [_show(m) for m in reply.messages if m.severity in ("error", "warning")] \
            if isinstance(reply, CommandReply) else []
        if why is not None:
            return why, messages, []
        assert isinstance(reply, CommandReply)
        report = self.session.send(Command(f"#print axioms {theorem.name}", reply.env),
                                   self.session.limits.startup_seconds)
        reason, axioms = judge_axioms(report, theorem.name, self.allowed_axioms)
        return reason, messages, list(axioms)


def judge_compiled(reply: Reply) -> str | None:
    """Why the reply to the whole declaration rejects it (errors, sorry), or None when clean."""
    if isinstance(reply, ErrorReply):
        return f"Lean refused the proof: {reply.message}"
    if not isinstance(reply, CommandReply):
        return "the Lean REPL answered a command with a tactic reply"
    if reply.errors:
        return f"error: {reply.errors[0].data}"
    if reply.sorries or any(_SORRY_WARNING.search(m.data) for m in reply.messages):
        return "the proof uses sorry"
    return None


def judge_axioms(reply: Reply, name: str, allowed: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The verdict's reason (``accepted`` or why not) and axioms, from ``#print axioms name``'s reply."""
    failure = _failure(reply)
    if failure is not None:
        return f"#print axioms failed: {failure}", ()
    assert isinstance(reply, CommandReply)
    reports = [parsed for m in reply.messages if (parsed := parse_axioms(m.data)) is not None]
    if len(reports) != 1 or len(reply.messages) != 1:  # fail closed: only one clean report passes
        texts = "; ".join(m.data for m in reply.messages)[:200]
        return f"#print axioms gave an unrecognised report: {texts!r}", ()
    printed, axioms = reports[0]
    if printed != name and not printed.endswith("." + name):
        return f"#print axioms reported on {printed!r}, not {name!r}", axioms
    if "sorryAx" in axioms:
        return "the proof uses sorry (sorryAx)", axioms
    outside = [a for a in axioms if a not in allowed]
    if outside:
        return f"the proof relies on {', '.join(outside)}, not in the allowed axioms", axioms
    return "accepted", axioms


def _failure(reply: Reply) -> str | None:
    if isinstance(reply, ErrorReply):
        return reply.message
    if not isinstance(reply, CommandReply):
        return "the Lean REPL answered a command with a tactic reply"
    if reply.errors:
        return "; ".join(m.data for m in reply.errors)
    return None


def _show(message: Message) -> str:
    where = f"{message.pos.line}:{message.pos.column}: " if message.pos is not None else ""
    return f"{where}{message.severity}: {message.data}"
