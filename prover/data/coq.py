"""Extraction of one Coq source file into dataset records (`prover.data.records`).

`extract_file` replays the file sentence by sentence (`replay_file`, goals fetched after
every sentence) and traces each proof it runs through. Everything in a record comes from
Coq itself, read while the replay goes:

* A *theorem* is a sentence that opens a proof (no proof open before it, one after) and
  declares with ``Theorem``, ``Lemma``, ``Fact``, ``Remark``, ``Corollary``,
  ``Proposition``, ``Property``, ``Example``, ``Definition``, ``Fixpoint``,
  ``CoFixpoint`` or ``Instance`` (attributes and ``Local``/``Global`` allowed), whose
  proof ends with ``Qed``/``Defined`` (a gold proof, ``replayed=True``) or ``Admitted``
  (recorded with ``replayed=False``, ``replay_error="admitted in the library"``: the
  statement is in the library, as an axiom, but it has no gold proof). Left out: proofs
  that end with ``Abort`` (the name never exists, and may be reused), ``Proof term.``
  or ``Save``; proofs of ``Goal``, ``Let`` and ``Next Obligation`` and other openers
  (``Add Morphism``), which cannot be restated and checked on their own; and nested
  proofs. The name is Coq's (the Status call's open proof).
* ``qualified_name`` is what ``Locate NAME.`` says right after the proof closes, enclosing
  ``Module``s included, with the open ``Section``s taken out (until ``End``, Coq names a
  section's constants with the section: ``Coq.Arith.Between.Between.bet_eq`` is
  ``Coq.Arith.Between.bet_eq`` for everyone else). For a theorem the replay never
  reached, it is read from the ``Module``/``Section``/``End`` sentences before it.
* ``context`` is the section variables (``Variable``, ``Hypothesis``, ``Context``, ``Let``)
  among the root goal's hypotheses, as printed: the hypotheses that ``Locate`` calls a
  ``Variable``. Binders of the statement (``Lemma foo (n : nat) : ...``) are in the root
  goal (``steps[0].before``) but not in ``context``.
* ``steps``: one per proof sentence, ``Proof.`` to ``Qed.`` included, with the focused
  goals before and after and how many goals were out of focus (background and shelved).
* ``premises``: the global constants, inductives and constructors the proof's sentences
  name, fully qualified, in order of first use. Each identifier token of a sentence
  (comments, strings and ``%scope`` keys left out; ``Nat.add_comm`` is one token;
  ssreflect's ``?lemma``, ``!lemma``, ``/view`` count) that is not an Ltac/Gallina keyword (`LTAC_WORDS`), the theorem's own name, or a
  hypothesis in the goals before or after the sentence is resolved with ``Locate`` at the
  state right after the sentence (a proof step does not change the global environment).
  Abbreviations (``Notation le_trans := Nat.le_trans``) are followed to the constant they
  name. A name bound inside a term (``fun x => ...``) that happens to name a global is
  a known false positive. Resolutions are cached per file; a sentence outside proofs
  drops the cached names it could change (see `_Resolver`).

Theorems of a file whose replay stopped are still recorded: the one the failure hit (its
steps up to the failure) and every later one (no steps), all with ``replayed=False`` and
the failure in ``replay_error``.

The file runs as its own module (``-topfile``, ``-noinit`` for ``Init``), as Coq's build
compiles it; a theorem restarted from the records must run under the same module name:
`prover.envs.base.Theorem.module`, which `CoqEnv` honours.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from prover.data.records import FileRecord, GoalRecord, StepRecord, TheoremRecord
from prover.envs.base import normalize_whitespace
from prover.envs.coq.codec import Goals, RawGoal
from prover.envs.coq.document import CoqDocument
from prover.envs.coq.files import PROOF_OPENERS, read_declaration
from prover.envs.coq.replay import ReplayFailure, ReplayStep, coqlib, replay_args, replay_file
from prover.envs.coq.sentences import Sentence, SentenceSplitError, split_sentences, strip_comments
from prover.envs.limits import DEFAULT_LIMITS, Limits
from prover.errors import ConfigError, QueryError

if TYPE_CHECKING:
    from prover.data.premises import Premise

__all__ = [
    "LTAC_WORDS",
    "MATHCOMP",
    "STDLIB",
    "Library",
    "extract_file",
    "library",
    "premise_tokens",
]

BACKEND = "coq"
ADMITTED = "admitted in the library"


@dataclass(frozen=True, slots=True)
class Library:
    """A Coq library: a directory of ``.v`` files bound to a logical prefix."""

    name: str
    """``stdlib``, ``mathcomp``, or a user project's name (its prefix)."""
    root: str
    """The directory holding the ``.v`` files."""
    prefix: str
    """The logical prefix bound to `root` (``Coq`` for the standard library)."""
    args: tuple[str, ...] = ()
    """Extra coqidetop flags: ``("-R", root, prefix)`` for a user project, none for
    libraries installed where Coq finds them by default."""

    def files(self) -> list[str]:
        """Every ``.v`` file under `root`, as sorted paths relative to it (``/``-separated)."""
        found = []
        for directory, subdirs, names in os.walk(self.root):
            subdirs.sort()
            rel = os.path.relpath(directory, self.root)
            for name in names:
                if name.endswith(".v"):
                    found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
        return sorted(found)

    def path(self, relpath: str) -> str:
        return os.path.join(self.root, relpath)


STDLIB = Library("stdlib", os.path.join(coqlib(), "theories"), "Coq")
MATHCOMP = Library("mathcomp", os.path.join(coqlib(), "user-contrib", "mathcomp"), "mathcomp")


def library(name_or_dir: str, prefix: str | None = None) -> Library:
    """`STDLIB`, `MATHCOMP`, or a user project: a directory bound to `prefix` with ``-R``."""
    known = {"stdlib": STDLIB, "mathcomp": MATHCOMP}
    if name_or_dir in known and prefix is None:
        return known[name_or_dir]
    root = os.path.abspath(name_or_dir)
    if not os.path.isdir(root):
        raise ConfigError(f"{name_or_dir!r} is neither a known library ({', '.join(known)}) nor a directory")
    if not prefix:
        raise ConfigError(f"the library at {root} needs its logical prefix (the name given to -R)")
    return Library(prefix, root, prefix, ("-R", root, prefix))


# -- lexical helpers ----------------------------------------------------------------------

_CLOSER = re.compile(r"^\s*(Qed|Defined|Admitted|Abort|Save|Proof\b(?!\s*(?:using\b|with\b|\.\s*$)))")
_GOLD = {"Qed", "Defined"}
_MODULE = re.compile(r"^\s*(?:Local\s+)?Module\s+(?:Type\s+)?(?:(?:Import|Export)\s+)?([^\W\d][\w']*)")
_SECTION = re.compile(r"^\s*Section\s+([^\W\d][\w']*)")
_END = re.compile(r"^\s*End\s+([^\W\d][\w']*)")

_STRING = re.compile(r'"(?:[^"]|"")*"')
_TOKEN = re.compile(r"(?<![\w'.%\\$])[^\W\d][\w']*(?:\.[^\W\d][\w']*)*")

_WORDS = """
    Proof Qed Defined Admitted Abort Save using with Type Prop Set SProp Variable Variables
    abstract absurd admit all and apply as assert assert_fails assert_succeeds assumption at
    auto autoapply autorewrite autounfold btauto by case case_eq cbn cbv change clear
    clearbody cofix compute congr congruence constr constructor context contradict
    contradiction cut cutrewrite cycle decide decompose dependent destruct discriminate do
    done dtauto eapply eassert eassumption easy eauto ecase econstructor edestruct eelim
    eenough eexact eexists einduction einjection eintros eleft elim else end enough epose
    eremember erewrite eright eset esimplify_eq esplit evar exact exactly_once exfalso
    exists f_equal fail field field_simplify first firstorder fix fold for forall fresh fun
    functional generalize gfail give_up goal have hnf idtac if in induction info_auto
    injection instantiate intro intros intuition inversion inversion_clear is_var lapply
    last lazy lazymatch left let lia lra match move multimatch native_compute nia now nra
    nsatz numgoals omega once only pattern pose progress psatz red refine reflexivity
    remember rename repeat replace return revert revgoals rewrite rewrite_strat right ring
    ring_simplify setoid_reflexivity setoid_rewrite setoid_symmetry setoid_transitivity
    shelve shelve_unifiable simpl simple simplify_eq solve specialize split stepl stepr
    subst suff suffices swap symmetry tauto then time timeout transitivity trivial try
    tryif type typeclasses unfold unify unshelve vm_compute wlog without_loss zify
"""
LTAC_WORDS = frozenset(_WORDS.split())
"""Ltac tactics and keywords, and Gallina keywords: never premises, even where a constant
has the same name (``symmetry``, ``f_equal``, ``split``), since a proof mostly uses them as
tactics."""

_LOCATED = re.compile(r"^(Constant|Inductive|Constructor|Notation|Variable|Module Type|Module|Ltac2?)\s+(\S+)")
_PREMISE_KINDS = {"Constant", "Inductive", "Constructor"}
_ABBREVIATION = re.compile(r"^Notation\s+\S+\s*:=\s*@?([^\W\d][\w']*(?:\.[^\W\d][\w']*)*)\s*$", re.MULTILINE)
_HYP_NAMES = re.compile(r"^(.*?)\s:=?\s", re.DOTALL)
# Commands after which any cached name may resolve differently; read with the same
# attributes and modifiers as a proof opener.
_SCOPE_CHANGES = replace(PROOF_OPENERS, keywords=frozenset(
    {"From", "Require", "Import", "Export", "Module", "End", "Include", "Load", "Declare", "Reset", "Back"}
))


def premise_tokens(sentence: str) -> list[str]:
    """Identifier tokens of `sentence` that may name a premise, in order, without repeats."""
    text = _STRING.sub(" ", strip_comments(sentence))
    return list(dict.fromkeys(t for t in _TOKEN.findall(text) if t not in LTAC_WORDS))


def _hypothesis_names(hypothesis: str) -> list[str]:
    """``n, m : nat`` -> [n, m]; ``k := 3 : nat`` -> [k]."""
    found = _HYP_NAMES.match(hypothesis)
    return [n.strip() for n in found.group(1).split(",")] if found else []


def _goal_names(*goal_lists: Goals | None) -> set[str]:
    names: set[str] = set()
    for goals in goal_lists:
        if goals is not None:
            for goal in (*goals.foreground, *goals.background, *goals.shelved, *goals.given_up):
                for hypothesis in goal.hypotheses:
                    names.update(_hypothesis_names(hypothesis))
    return names


def _records(goals: tuple[RawGoal, ...]) -> tuple[GoalRecord, ...]:
    return tuple(GoalRecord(g.hypotheses, g.conclusion) for g in goals)


def _pending(goals: Goals | None) -> int:
    return len(goals.background) + len(goals.shelved) if goals is not None else 0


# -- resolving names with Coq ------------------------------------------------------------

class _Resolver:
    """``Locate`` at the document's tip, cached per file.

    What a short name denotes changes only when a sentence outside proofs runs: one that
    loads, imports or opens/closes modules or sections clears the cache; any other (a
    declaration, a ``Notation``) drops the cached names whose base name starts with one of
    its identifiers (``t`` covers ``t_ind``, ``t_rect``; an ``Instance`` of ``C`` covers
    ``C_instance_0``). A closed proof drops names starting with the theorem's name
    (its ``_subproof``s too).
    """

    def __init__(self, doc: CoqDocument, scopes: _Scopes) -> None:
        self.doc = doc
        self.scopes = scopes
        self.cache: dict[str, tuple[str, str] | None] = {}

    def locate(self, token: str) -> tuple[str, str] | None:
        """(kind, fully qualified name) of what `token` denotes, abbreviations followed."""
        if token in self.cache:
            return self.cache[token]
        found = self._locate(token)
        if found is not None and found[0] == "Notation":
            target = self._abbreviation(token)
            if target is not None and target != token:
                followed = self._locate(target)
                if followed is not None and followed[0] in _PREMISE_KINDS:
                    found = followed
        self.cache[token] = found
        return found

    def _ask(self, command: str) -> str:
        try:
            return self.doc.query(command)
        except QueryError:
            return ""

    def _locate(self, name: str) -> tuple[str, str] | None:
        for line in self._ask(f"Locate {name}.").splitlines():
            found = _LOCATED.match(line)
            if found:
                return found.group(1), self.scopes.discharged(found.group(2))
            if line and not line[0].isspace():  # "No object of basename ...": nothing
                return None
        return None

    def _abbreviation(self, name: str) -> str | None:
        found = _ABBREVIATION.search(self._ask(f"Print {name}."))
        return found.group(1) if found else None

    def premise(self, token: str) -> str | None:
        found = self.locate(token)
        return found[1] if found is not None and found[0] in _PREMISE_KINDS else None

    def invalidate(self, sentence: str) -> None:
        """A sentence outside proofs ran: forget what it may have changed."""
        if read_declaration(sentence, _SCOPE_CHANGES) is not None:
            self.cache.clear()
            return
        text = strip_comments(sentence)
        words = {w for token in _TOKEN.findall(_STRING.sub(" ", text)) for w in token.split(".")}
        self._drop(lambda base: any(base.startswith(w) for w in words))

    def declared(self, name: str) -> None:
        self._drop(lambda base: base.startswith(name))

    def _drop(self, stale: Callable[[str], bool]) -> None:
        for token in [t for t in self.cache if stale(t.rsplit(".", 1)[-1])]:
            del self.cache[token]


# -- tracing proofs during the replay -----------------------------------------------------

@dataclass(slots=True)
class _Proof:
    """A proof being traced."""

    name: str
    statement: Sentence
    index: int
    keep: bool
    """False for proofs that are not recorded (``Goal``, ``Let``, obligations)."""
    context: tuple[str, ...] = ()
    sentences: list[str] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    premises: dict[str, None] = field(default_factory=dict)


@dataclass(slots=True)
class _Traced:
    proof: _Proof
    closer: str
    qualified_name: str


class _Tracer:
    """The ``on_step`` callback of the replay: builds a `_Traced` per closed proof."""

    def __init__(self, doc: CoqDocument, module: str) -> None:
        self.doc = doc
        self.scopes = _Scopes(module)
        self.resolver = _Resolver(doc, self.scopes)
        self.current: _Proof | None = None
        self.done: list[_Traced] = []

    def __call__(self, step: ReplayStep) -> None:
        if step.before is None and step.after is not None:
            self._open(step)
        elif self.current is not None and step.before is not None:
            self._step(self.current, step)
        elif step.before is None:
            self.scopes.feed(step.sentence.text)
            self.resolver.invalidate(step.sentence.text)

    def _open(self, step: ReplayStep) -> None:
        self.resolver.invalidate(step.sentence.text)
        name = self.doc.status()[0] or ""
        keep = bool(name) and read_declaration(step.sentence.text, PROOF_OPENERS) is not None
        proof = _Proof(name, step.sentence, step.index, keep)
        if keep and step.after is not None and step.after.foreground:
            proof.context = self._section_variables(step.after.foreground[0].hypotheses)
        self.current = proof

    def _section_variables(self, hypotheses: tuple[str, ...]) -> tuple[str, ...]:
        kept = []
        for hypothesis in hypotheses:
            names = _hypothesis_names(hypothesis)
            variables = [n for n in names if (self.resolver.locate(n) or ("", ""))[0] == "Variable"]
            if variables == names:
                kept.append(hypothesis)
            elif variables:  # `n, p : nat` where only n is a section variable
                found = _HYP_NAMES.match(hypothesis)
                assert found is not None
                kept.append(f"{', '.join(variables)} : {hypothesis[found.end():]}")
        return tuple(kept)

    def _step(self, proof: _Proof, step: ReplayStep) -> None:
        text = step.sentence.text
        proof.sentences.append(text)
        if proof.keep:
            before, after = step.before, step.after
            proof.steps.append(
                StepRecord(
                    tactic=text,
                    line=step.sentence.line,
                    before=_records(before.foreground) if before is not None else (),
                    after=_records(after.foreground) if after is not None else (),
                    pending_before=_pending(before),
                    pending_after=_pending(after),
                )
            )
            local = _goal_names(before, after) | {proof.name}
            for token in premise_tokens(text):
                if token not in local:
                    premise = self.resolver.premise(token)
                    if premise is not None:
                        proof.premises.setdefault(premise)
        if step.after is None:  # the proof is closed
            self.current = None
            self.resolver.declared(proof.name)
            closer = _closer(text)
            if proof.keep and closer in (*_GOLD, "Admitted"):
                found = self.resolver.locate(proof.name)
                qualified = found[1] if found is not None and found[0] == "Constant" else self.scopes.qualify(proof.name)
                self.done.append(_Traced(proof, closer, qualified))


def _closer(sentence: str) -> str:
    found = _CLOSER.match(strip_comments(sentence))
    return found.group(1).split()[0] if found else ""


# -- lexical fallback for what the replay never reached -----------------------------------

class _Scopes:
    """The ``Module``s and ``Section``s open at a point of a file, read from its sentences."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.stack: list[tuple[str, bool]] = []  # (name, is a module)

    def feed(self, sentence: str) -> None:
        text = strip_comments(sentence)
        module = _MODULE.match(text)
        if module is not None and ":=" not in text:
            self.stack.append((module.group(1), True))
        elif (section := _SECTION.match(text)) is not None:
            self.stack.append((section.group(1), False))
        elif (end := _END.match(text)) is not None:
            for depth in range(len(self.stack) - 1, -1, -1):
                if self.stack[depth][0] == end.group(1):
                    del self.stack[depth:]
                    break

    def qualify(self, name: str) -> str:
        """The name a declaration made here has once its sections are closed."""
        return ".".join((self.module, *(n for n, is_module in self.stack if is_module), name))

    def discharged(self, qualified: str) -> str:
        """`qualified` as it is named after the sections it is declared in are closed.

        Inside a section, Coq names a constant of that section with the section's name
        (``Coq.Arith.Between.Between.bet_eq``), which disappears at ``End``.
        """
        for depth in range(len(self.stack), 0, -1):
            opened = self.stack[:depth]
            prefix = ".".join((self.module, *(n for n, _ in opened))) + "."
            if qualified.startswith(prefix):
                kept = (n for n, is_module in opened if is_module)
                return ".".join((self.module, *kept, qualified[len(prefix) :]))
        return qualified


def _module_paths(module: str, sentences: list[Sentence]) -> list[str]:
    """For each sentence, the prefix a declaration there gets (``Module``s only), read lexically."""
    scopes = _Scopes(module)
    prefixes = []
    for sentence in sentences:
        prefixes.append(scopes.qualify(""))
        scopes.feed(sentence.text)
    return prefixes


def _lexical_proof(sentences: list[Sentence], index: int) -> list[Sentence]:
    """The sentences after the statement at `index` up to its closer, read lexically."""
    for end in range(index + 1, len(sentences)):
        if _closer(sentences[end].text):
            return sentences[index + 1 : end + 1]
        if read_declaration(sentences[end].text, PROOF_OPENERS) is not None:
            break
    return []


# -- the extraction ----------------------------------------------------------------------

def extract_file(lib: Library, relpath: str,
                 limits: Limits = DEFAULT_LIMITS) -> tuple[FileRecord, list[TheoremRecord]]:
    """Replay `relpath` of `lib` and trace every theorem in it (see the module docstring).

    A file whose replay stops is not an exception: its `FileRecord` says where and why
    (``replayed=False``, ``error``). Raises only for broken infrastructure (coqidetop that
    cannot start) and for a file that cannot be read.
    """
    start = time.monotonic()
    path = lib.path(relpath)
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    args = replay_args(path, None, lib.args)
    doc = CoqDocument(args, limits)
    try:
        doc.sync(())
        module = ".".join(doc.module_path())  # as Coq named it: -topfile and the load path
        tracer = _Tracer(doc, module)
        replay = replay_file(path, args=lib.args, limits=limits, goals=True, on_step=tracer, document=doc)
        requires = _requires(doc, module, replay.failure)
    finally:
        doc.close()
    builder = _Builder(lib, relpath, source, module)
    theorems = [builder.traced(traced) for traced in tracer.done]
    if replay.failure is not None and replay.failure.kind != "split":
        theorems += builder.unfinished(replay.failure, tracer.current)
    failure = replay.failure
    error = None if failure is None else f"{failure.kind} at line {failure.line}: {failure.message}"
    record = FileRecord(
        backend=BACKEND,
        library=lib.name,
        file=relpath,
        module=module,
        source=source,
        args=args,
        requires=requires,
        theorems=len(theorems),
        replayed=failure is None,
        error=error,
        seconds=time.monotonic() - start,
    )
    return record, theorems


def _requires(doc: CoqDocument, module: str, failure: ReplayFailure | None) -> tuple[str, ...]:
    """The libraries loaded at the end of the replay (``Print Libraries``), the file's own excluded."""
    if failure is not None and failure.kind == "crash":
        return ()  # the session that loaded them is gone
    try:
        report = doc.query("Print Libraries.")
    except QueryError:
        return ()
    loaded = (line.strip() for line in report.splitlines() if line.startswith(" "))
    return tuple(name for name in loaded if name and name != module)


class _Builder:
    """Turns what the tracer saw (and, after a failure, the file's text) into records."""

    def __init__(self, lib: Library, relpath: str, source: str, module: str) -> None:
        self.lib, self.relpath, self.source, self.module = lib, relpath, source, module
        self._sentences: list[Sentence] | None = None
        self._prefixes: list[str] = []

    @property
    def sentences(self) -> list[Sentence]:
        if self._sentences is None:
            try:
                self._sentences = split_sentences(self.source)
            except SentenceSplitError:
                self._sentences = []
            self._prefixes = _module_paths(self.module, self._sentences)
        return self._sentences

    def qualify(self, index: int, name: str) -> str:
        """The qualified name read from the ``Module``s around sentence `index`."""
        prefix = self._prefixes[index] if index < len(self.sentences) else f"{self.module}."
        return prefix + name

    def make(self, name: str, qualified: str, statement: Sentence, proof: tuple[str, ...], replayed: bool,
             error: str | None, context: tuple[str, ...] = (), steps: tuple[StepRecord, ...] = (),
             premises: tuple[str, ...] = ()) -> TheoremRecord:
        return TheoremRecord(
            backend=BACKEND, library=self.lib.name, name=name, qualified_name=qualified,
            module=self.module, file=self.relpath, line=statement.line, offset=statement.start,
            statement=statement.text, context=context, proof=proof, steps=steps, replayed=replayed,
            replay_error=error, premises=premises,
        )

    def traced(self, traced: _Traced) -> TheoremRecord:
        proof = traced.proof
        gold = traced.closer in _GOLD
        return self.make(
            proof.name, traced.qualified_name, proof.statement,
            tuple(proof.sentences), gold, None if gold else ADMITTED, proof.context, tuple(proof.steps),
            tuple(proof.premises),
        )

    def unfinished(self, failure: ReplayFailure, current: _Proof | None) -> list[TheoremRecord]:
        """Records for the proof the failure hit and for the theorems after it."""
        sentences = self.sentences
        found: list[TheoremRecord] = []
        first = failure.index
        if current is not None and current.keep:
            proof = tuple(s.text for s in _lexical_proof(sentences, current.index))
            found.append(self.make(
                current.name, self.qualify(current.index, current.name), current.statement, proof, False,
                failure.message, current.context, tuple(current.steps), tuple(current.premises),
            ))
            first = current.index + 1 + len(proof)
        later = f"the file's replay stopped at line {failure.line}: {failure.message}"
        for index in range(first, len(sentences)):
            statement = sentences[index]
            declaration = read_declaration(statement.text, PROOF_OPENERS)
            name = declaration.name if declaration is not None else None
            proof_sentences = _lexical_proof(sentences, index) if name is not None else []
            closer = _closer(proof_sentences[-1].text) if proof_sentences else ""
            if name is None or closer not in (*_GOLD, "Admitted") or not _may_open_proof(statement.text):
                continue
            error = failure.message if index == failure.index else ADMITTED if closer == "Admitted" else later
            found.append(self.make(
                name, self.qualify(index, name), statement, tuple(s.text for s in proof_sentences), False, error,
            ))
        return found


def _may_open_proof(statement: str) -> bool:
    """A theorem always does; a ``Definition``/``Instance``/... only without a ``:=`` body."""
    found = read_declaration(statement, PROOF_OPENERS)
    return found is not None and (found.theorem_like or ":=" not in strip_comments(statement))


def library_corpus(lib: Library, required: Iterable[str] = (), limits: Limits = DEFAULT_LIMITS,
                   progress: Callable[[str], None] | None = None,
                   extracted: Iterable[TheoremRecord] = ()) -> list[Premise]:
    """The premise corpus a theorem of `lib` may draw on: `lib`'s own modules, plus the
    installed standard library's and mathcomp's modules among `required`, plus the
    `extracted` theorems Coq's ``Search`` cannot list (those inside functor bodies)."""
    from prover.data.premises import Premise, build_corpus, library_modules

    corpus = build_corpus(library_modules(lib.root, lib.prefix), lib.args, limits, root=lib.root,
                          progress=progress)
    wanted = set(required)
    for other in (STDLIB, MATHCOMP):
        if other.root == lib.root:
            continue
        modules = [(m, path) for m, path in library_modules(other.root, other.prefix) if m in wanted]
        if modules:
            corpus += build_corpus(modules, other.args, limits, root=other.root, progress=progress)
    known = {p.name for p in corpus}
    corpus += [
        Premise(r.qualified_name, normalize_whitespace(r.statement), "theorem", r.module, r.file, r.line)
        for r in extracted
        if r.qualified_name not in known
    ]
    return corpus
