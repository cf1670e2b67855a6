"""Sound checking of a whole Coq proof, independent of any interactive session.

The verdict rests on what Coq itself reports: the statement is added by us (never by the
candidate), every candidate sentence must leave exactly our proof open, ``Qed`` must
succeed, and ``Print Assumptions`` on the fully qualified name may show only axioms that
the header's libraries already declared (resolved with ``Locate`` at the header state,
so a candidate's own axiom, or one from a library it loads itself, never passes). The
lexical screen in `screen_sentence` comes first only because some commands have effects
that ``Edit_at`` cannot undo (loading OCaml code, changing directory, writing files).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from prover.envs.base import Theorem, Verdict, normalize_whitespace
from prover.envs.coq.document import CoqDocument, Done, Failed
from prover.envs.coq.sentences import SentenceSplitError, split_sentences, strip_comments
from prover.errors import QueryError

# Commands a proof may never contain: escapes from the proof, effects outside Coq's
# state, assumption-introducing declarations, and switches that weaken the kernel.
_FORBIDDEN = [
    (r"Declare\s+ML\s+Module", "loads OCaml code into the checker"),
    (r"Load\b", "loads another file"),
    (r"Cd\b", "changes the checker's working directory"),
    (r"Redirect\b", "writes output to a file"),
    (r"Drop\b", "leaves the Coq toplevel"),
    (r"(Recursive\s+|Separate\s+)?Extraction\b", "extraction writes files"),
    (r"Extract\b", "extraction directives"),
    (r"(Local\s+|Global\s+|#\[.*?\]\s*)?Unset\s+(Guard|Universe|Positivity)\s+Checking",
     "turns off a kernel check"),
    (r"(Local\s+|Global\s+)?Set\s+Nested\s+Proofs\s+Allowed", "opens nested proofs"),
    ((r"(Local\s+|Global\s+)?(Axiom|Axioms|Conjecture|Conjectures|Parameter|Parameters|Hypothesis|"
     r"Hypotheses|Variable|Variables|Context)\b"), "declares an assumption"),
    (r"(Admitted|Abort|Save|Restart|Undo|Back|BackTo|Reset|Unfocused)\b", "abandons or rewinds the proof"),
    (r"(From\s+\S+\s+)?Require\b", "loads a library the header did not load"),
    (r"(Module|Section|End|Declare\s+Module|Include)\b", "opens or closes a module or section"),
    ((r"(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Definition|Fixpoint|CoFixpoint|"
     r"Inductive|CoInductive|Instance|Program|Example|Goal|Let|Record|Structure|Class|Obligation|"
     r"Next\s+Obligation|Function|Equations)\b"), "starts another declaration inside the proof"),
    (r"Timeout\s+\d+\s+(Qed|Defined)\b", "wraps the proof's end"),
]
_FORBIDDEN_RE = [(re.compile(r"^\s*(#\[[^\]]*\]\s*)?" + pat), why) for pat, why in _FORBIDDEN]
_ADMIT = re.compile(r"(?<![\w'.])(admit|give_up)(?![\w'])")
_CLOSERS = re.compile(r"^\s*(Qed|Defined)\s*\.$")
_DECLARATION = re.compile(
    r"^\s*(#\[[^\]]*\]\s*)?(Local\s+|Global\s+)?(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|"
    r"Example|Definition|Fixpoint|Instance|Goal)\b"
)
_LOCATE = re.compile(r"^(?:Constant|Inductive|Constructor|Notation|Variable)\s+(\S+)", re.MULTILINE)


def screen_sentence(sentence: str) -> str | None:
    """Why `sentence` may not appear inside a proof, or None if it may."""
    text = strip_comments(sentence).strip()
    for pattern, why in _FORBIDDEN_RE:
        if pattern.match(text):
            return f"{text.split()[0]!r} {why}"
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
    header = [normalize_whitespace(s.text) for s in split_sentences(theorem.header)]
    while sentences and header and normalize_whitespace(sentences[0]) == header[0]:
        sentences.pop(0)
        header.pop(0)
    if sentences and _DECLARATION.match(strip_comments(sentences[0])):
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


def parse_assumptions(text: str) -> tuple[dict[str, list[str]], bool]:
    """Sections of ``Print Assumptions`` output (section -> names) and whether it is closed."""
    if "Closed under the global context" in text:
        return {}, True
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line or line[0].isspace():
            continue
        if line.rstrip().endswith(":") and " : " not in line:
            current = line.rstrip()[:-1]
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line.split(" : ")[0].strip())
    return sections, False


class CoqChecker:
    """Checks whole proofs in its own coqidetop, rewound to the header after each check."""

    def __init__(self, document: CoqDocument, allowed_axioms: tuple[str, ...] | None = None) -> None:
        self.document = document
        self.allowed_axioms = allowed_axioms
        """None: any axiom the header's libraries declare. A tuple: only these (fully qualified)."""

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
        header = [s.text for s in split_sentences(theorem.header)]
        header_ids = doc.sync(header, limits.startup_seconds)
        header_state = header_ids[-1] if header_ids else doc.root_id
        messages: list[str] = []
        opened = doc.advance(theorem.statement, limits.startup_seconds)
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
            outcome = doc.advance(sentence, min(left, limits.tactic_seconds * 6 if not is_closer else left))
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
        module = ".".join(doc.module_path())
        qualified = f"{module}.{theorem.name}" if module else theorem.name
        try:
            report = doc.query(f"Print Assumptions {qualified}.")
        except QueryError as exc:
            return f"Print Assumptions failed: {exc}", messages, []
        sections, closed = parse_assumptions(report)
        if closed:
            return "accepted", messages, []
        axioms: list[str] = []
        for section, names in sections.items():
            if section != "Axioms":
                return f"Coq reports {section.lower()}: {', '.join(names)}", messages, names
            for short in names:
                full = self._locate(short)
                axioms.append(full or short)
                if full is None or (module and full.startswith(module + ".")):
                    return f"the proof relies on an axiom it declares itself: {short}", messages, axioms
                if not self._locate(full, at=header_state):
                    return f"the proof relies on {full}, which the header's libraries do not declare", messages, axioms
                if self.allowed_axioms is not None and full not in self.allowed_axioms:
                    return f"the proof relies on {full}, which is not in the allowed axioms", messages, axioms
        return "accepted", messages, axioms

    def _locate(self, name: str, at: int | None = None) -> str | None:
        try:
            found = _LOCATE.search(self.document.query(f"Locate {name}.", state_id=at))
        except QueryError:
            return None
        return found.group(1) if found else None
