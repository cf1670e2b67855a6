"""Sound checking of a whole Coq proof, independent of any interactive session.

The verdict rests on what Coq itself reports: the statement is added by us (never by the
candidate), every candidate sentence must leave exactly our proof open, ``Qed`` must
succeed, and ``Print Assumptions`` on the fully qualified name may show only axioms (and
section variables) that already existed at the header state: declared by the header's
libraries or by the header itself (resolved with ``Locate`` at the header state, so a
candidate's own axiom, or one from a library it loads itself, never passes). The
lexical screen in `screen_sentence` comes first only because some commands have effects
that ``Edit_at`` cannot undo (loading OCaml code, changing directory, writing files).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from prover.envs.base import Theorem, Verdict, normalize_whitespace
from prover.envs.coq.document import CoqDocument, Done, Failed
from prover.envs.coq.files import RESTATEMENTS, read_declaration
from prover.envs.coq.sentences import (
    SentenceSplitError,
    one_sentence,
    sentence_texts,
    split_sentences,
    strip_comments,
)
from prover.errors import QueryError

# Commands a proof may never contain: escapes from the proof, effects outside Coq's
# state, assumption-introducing declarations, and switches that weaken the kernel.
_FORBIDDEN = [
    (r"Declare\s+ML\s+Module", "loads OCaml code into the checker"),
    (r"Add\s+(Rec\s+)?(LoadPath|ML\s+Path)|Remove\s+LoadPath", "changes where code is loaded from"),
    (r"Load\b", "loads another file"),
    (r"Cd\b", "changes the checker's working directory"),
    (r"Redirect\b", "writes output to a file"),
    (r"Drop\b", "leaves the Coq toplevel"),
    (r"(Recursive\s+|Separate\s+)?Extraction\b", "extraction writes files"),
    (r"Extract\b", "extraction directives"),
    (r"Unset\s+(Guard|Universe|Positivity)\s+Checking", "turns off a kernel check"),
    (r"Set\s+Nested\s+Proofs\s+Allowed", "opens nested proofs"),
    ((r"(Axiom|Axioms|Conjecture|Conjectures|Parameter|Parameters|Hypothesis|"
     r"Hypotheses|Variable|Variables|Context)\b"), "declares an assumption"),
    (r"(Admitted|Abort|Save|Restart|Undo|Back|BackTo|Reset|Unfocused)\b", "abandons or rewinds the proof"),
    (r"(Qed|Defined)\b", "ends the proof before the candidate's end"),
    (r"(From\s+\S+\s+)?Require\b", "loads a library the header did not load"),
    (r"(Module|Section|End|Declare\s+Module|Include)\b", "opens or closes a module or section"),
    ((r"(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Definition|Fixpoint|CoFixpoint|"
     r"Inductive|CoInductive|Instance|Program|Example|Goal|Let|Record|Structure|Class|Obligation|"
     r"Next\s+Obligation|Function|Equations)\b"), "starts another declaration inside the proof"),
]
_FORBIDDEN_RE = [(re.compile(r"^" + pat), why) for pat, why in _FORBIDDEN]
# What may wrap a command without changing which command it is. Without peeling these,
# `Time Cd "/"`, `Succeed Redirect ...` or `Local Definition` would pass the screen (Succeed
# and Fail roll back Coq's state, but not a changed directory, a written file or loaded code).
_ATTRIBUTES = r'#\[(?:[^\]"]|"(?:[^"]|"")*")*\]'  # `#[...]`, a `]` inside a string included
_WRAPPER = re.compile(
    rf'^({_ATTRIBUTES}|Timeout\s+\d+|Redirect\s+"(?:[^"]|"")*"|(Time|Instructions|Profile|Fail|Succeed|'
    r"Local|Global|Export|Polymorphic|Monomorphic|Cumulative|NonCumulative|Private)(?![\w']))\s*"
)
_ADMIT = re.compile(r"(?<![\w'.])(admit|give_up)(?![\w'])")
_CLOSERS = re.compile(r"^\s*(Qed|Defined)\s*\.$")
_LOCATE = re.compile(r"^(?:Constant|Inductive|Constructor|Notation|Variable)\s+(\S+)", re.MULTILINE)


def screen_sentence(sentence: str) -> str | None:
    """Why `sentence` may not appear inside a proof, or None if it may."""
    text = strip_comments(sentence).strip()
    command = text
    while True:
        for pattern, why in _FORBIDDEN_RE:
            if pattern.match(command):
                return f"{command.split()[0]!r} {why}"
        wrapper = _WRAPPER.match(command)
        if wrapper is None or not wrapper.group():
            break
        command = command[wrapper.end():]
    if _ADMIT.search(_without_strings(text)):
        return "'admit' leaves a goal unproved"
    return None


def _without_strings(text: str) -> str:
    return re.sub(r'"(?:[^"]|"")*"', '""', text)


@dataclass(frozen=True, slots=True)
class ProofScript:
    """A candidate proof cut into the sentences that go between statement and ``Qed``."""

    body: tuple[str, ...]
    closer: str


def parse_candidate(theorem: Theorem, proof: str) -> ProofScript | str:
    """Split the candidate into proof sentences, or say why it cannot be a proof of `theorem`.

    A candidate may repeat the header and the statement (whole-file answers from a model);
    the statement must then be the given one after whitespace normalisation.
    """
    try:
        sentences = [s.text for s in split_sentences(proof)]
    except SentenceSplitError as exc:
        return f"the proof cannot be split into sentences: {exc}"
    header = [normalize_whitespace(s) for s in sentence_texts(theorem.header, "header")]
    while sentences and header and normalize_whitespace(sentences[0]) == header[0]:
        sentences.pop(0)
        header.pop(0)
    if sentences and read_declaration(sentences[0], RESTATEMENTS) is not None:
        if normalize_whitespace(strip_comments(sentences[0])) != normalize_whitespace(
            strip_comments(theorem.statement)
        ):
            return "the proof restates the theorem with a different statement"
        sentences.pop(0)
    if not sentences:
        return "the proof is empty"
    closer = "Qed."
    if _CLOSERS.match(strip_comments(sentences[-1])):
        closer = strip_comments(sentences.pop()).strip()
    for index, sentence in enumerate(sentences, 1):
        if _CLOSERS.match(strip_comments(sentence)):
            return f"sentence {index} ends the proof before the candidate's end"
        why = screen_sentence(sentence)
        if why is not None:
            return f"sentence {index} ({sentence.strip()[:60]!r}): {why}"
    return ProofScript(tuple(sentences), closer)


_CLOSED = "Closed under the global context"
# One assumption: `name : type`, or `name` alone on its line when its type is printed below it
# (indented for axioms, as ``: type`` at column 0 for section variables).
_ASSUMPTION = re.compile(r"^([^\W\d][\w'.]*)(?:\s+:.*)?$")
_WEAKENED = "Weakened kernel checks"


def parse_assumptions(text: str) -> tuple[dict[str, list[str]], bool]:
    """Sections of ``Print Assumptions`` output (section -> names) and whether it is closed.

    Closed only when that sentence is the whole report: an axiom's printed type can contain
    any text (``Notation "'Closed' 'under' ..." := False``), so a substring test would let
    a candidate's own axiom pass. Coq 8.16 lists kernel checks turned off under "Axioms:"
    as sentences (``f is assumed to be guarded.``, ``g relies on an unsafe hierarchy.``);
    those are not names, so they go to their own section, which `CoqChecker` rejects.
    """
    if text.strip() == _CLOSED:
        return {}, True
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line or line[0].isspace():
            continue
        if line.rstrip().endswith(":") and " : " not in line:
            current = line.rstrip()[:-1]
            sections.setdefault(current, [])
        elif current is not None and not line.startswith(":"):  # ": type" under a lone name
            entry = _ASSUMPTION.match(line.rstrip())
            if entry is None:
                sections.setdefault(_WEAKENED, []).append(line.strip())
            else:
                sections[current].append(entry.group(1))
    return sections, False


class CoqChecker:
    """Checks whole proofs in its own coqidetop, rewound to the header after each check."""

    def __init__(self, document: CoqDocument, allowed_axioms: tuple[str, ...] | None = None) -> None:
        self.document = document
        self.allowed_axioms = allowed_axioms
        """None: any axiom declared by a library the header loads (not by the header itself).
        A tuple: only these fully qualified names, wherever the header declares them."""

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        start = time.monotonic()
        script = parse_candidate(theorem, proof)
        if isinstance(script, str):
            return Verdict(False, script, seconds=time.monotonic() - start)
        reason, messages, axioms = self._run(theorem, script, start)
        return Verdict(reason == "accepted", reason, tuple(messages), tuple(axioms), time.monotonic() - start)

    def _run(self, theorem: Theorem, script: ProofScript, start: float) -> tuple[str, list[str], list[str]]:
        doc = self.document
        limits = doc.limits
        header_state = doc.load_header(sentence_texts(theorem.header, "header"))
        messages: list[str] = []
        statement = one_sentence(theorem.statement)
        opened = doc.advance(statement, limits.startup_seconds)
        if not isinstance(opened, Done):
            return f"the statement itself fails: {getattr(opened, 'message', 'timeout')}", messages, []
        if doc.status()[0] != theorem.name:
            return f"the statement does not open a proof named {theorem.name!r}", messages, []
        for index, sentence in enumerate((*script.body, script.closer), 1):
            left = limits.proof_seconds - (time.monotonic() - start)
            if left <= 0:
                return f"the proof exceeded its budget of {limits.proof_seconds:g}s", messages, []
            is_closer = index == len(script.body) + 1
            if is_closer:
                goals = doc.goals()
                if goals is not None and not goals.empty:
                    n = len(goals.foreground) + len(goals.background) + len(goals.shelved)
                    given_up = len(goals.given_up)
                    what = f"{n} goal(s) remain" + (f", {given_up} given up" if given_up else "")
                    return f"the proof is incomplete: {what}", messages, []
            outcome = doc.advance(sentence, left)
            if isinstance(outcome, Failed):
                return f"error at sentence {index} ({sentence.strip()[:60]!r}): {outcome.message}", messages, []
            if not isinstance(outcome, Done):
                return f"sentence {index} ({sentence.strip()[:60]!r}) timed out", messages, []
            messages.extend(m.text for m in outcome.messages if m.level in ("error", "warning"))
            name, open_proofs = doc.status()
            expected = (None, ()) if is_closer else (theorem.name, (theorem.name,))
            if (name, open_proofs) != expected:
                return f"sentence {index} ({sentence.strip()[:60]!r}) left the proof", messages, []
        return self._audit_axioms(theorem, header_state, messages)

    def _audit_axioms(self, theorem: Theorem, header_state: int,
                      messages: list[str]) -> tuple[str, list[str], list[str]]:
        doc = self.document
        path = doc.module_path()
        qualified = ".".join((*path, theorem.name))
        try:
            report = doc.query(f"Print Assumptions {qualified}.")
        except QueryError as exc:
            return f"Print Assumptions failed: {exc}", messages, []
        sections, closed = parse_assumptions(report)
        if closed:
            return "accepted", messages, []
        if not sections:  # fail closed: a report we cannot read is not a clean one
            return f"Print Assumptions gave an unrecognised report: {report[:200]!r}", messages, []
        axioms: list[str] = []
        root = theorem.module or (path[0] if path else "")
        for section, names in sections.items():
            if section == "Section Variables":
                why = self._variables_problem(names, header_state)
            elif section == "Axioms":
                why = self._axioms_problem(names, header_state, root, axioms)
            else:
                return f"Coq reports {section.lower()}: {', '.join(names)}", messages, names
            if why is not None:
                return why, messages, axioms
        return "accepted", messages, axioms

    def _variables_problem(self, names: list[str], header_state: int) -> str | None:
        # The statement lives in a section the header opened (a file context): the section's
        # variables and hypotheses are part of what is stated, not assumptions of the proof.
        for name in names:
            if not self._is_header_variable(name, header_state):
                return f"the proof relies on section variable {name}, which the header does not declare"
        return None

    def _axioms_problem(self, names: list[str], header_state: int, root: str,
                        axioms: list[str]) -> str | None:
        """Why an axiom in `names` is not allowed (None if all are); appends their full names to `axioms`."""
        for short in names:
            full = self._locate(short)
            axioms.append(full or short)
            # Allowed only when the same fully qualified name names it at the header state:
            # Coq refuses to declare a name twice, so nothing the candidate declares passes.
            # Resolving to *something* there is not enough.
            if full is None or self._locate(full, at=header_state) != full:
                return f"the proof relies on an axiom it declares itself: {short}"
            if self.allowed_axioms is not None:
                if full not in self.allowed_axioms:
                    return f"the proof relies on {full}, which is not in the allowed axioms"
            elif full.startswith(root + "."):
                # Declared by the header itself (an `Admitted` lemma or `Axiom` earlier in the
                # file), not by a library it loads: the theorem would not really be proved.
                return f"the proof relies on {full}, an assumption of the file, not of a library"
        return None

    # `Locate Term`, not `Locate`: a variable named like a Locate keyword (`Term`, `Module`,
    # `Library`) is a syntax error after plain `Locate` (micromega/Tauto.v has `Term`).
    def _is_header_variable(self, name: str, header_state: int) -> bool:
        try:
            text = self.document.query(f"Locate Term {name}.", state_id=header_state)
        except QueryError:
            return False
        return re.search(rf"^Variable {re.escape(name)}$", text, re.MULTILINE) is not None

    def _locate(self, name: str, at: int | None = None) -> str | None:
        try:
            found = _LOCATE.search(self.document.query(f"Locate Term {name}.", state_id=at))
        except QueryError:
            return None
        return found.group(1) if found else None
