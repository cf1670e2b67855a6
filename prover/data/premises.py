"""The premise corpus of a Coq library: every constant a theorem could use.

One `Premise` per constant (theorem, definition, inductive type, constructor, axiom), with
its fully qualified name, its type as Coq prints it, its kind, and where it is declared
(module, file, line). `accessible` restricts the corpus to what a given theorem may use:
everything its file loads, plus what its own file declares before it.

How `build_corpus` finds them, in ONE coqidetop for the whole library:

1. ``Require`` every module, in chunks, without ``Import``, so printed names stay
   qualified (``PeanoNat.Nat.add_comm``). A chunk that fails is retried module by module;
   a module that cannot be loaded beside the others is done alone in a fresh coqidetop.
2. One ``Search _ inside M1 .. Mn.`` (``Search _ outside INIT.`` for large batches, which
   is cheaper than a long ``inside`` list) prints ``name: type`` for every constant. Names
   come out in the shortest unambiguous form, which for a required-only library is a
   suffix of the full path that starts inside the library's own path. The full name is
   the module path joined to that suffix at their overlap; when the overlap is not unique
   (two libraries with the same base name, or the prelude's imported modules, whose names
   print unqualified) ``Locate`` says. A sample of the others is checked with ``Locate``
   too, and a mismatch sends the whole query through ``Locate``.
   Types come wrapped at coqidetop's fixed width (``Set Printing Width`` does not reach
   its messages), so whitespace runs are collapsed to one space: the type as Coq prints it
   on one line.
3. The source file is cut into sentences (`split_sentences`) and scanned for declaring
   sentences (``Lemma``, ``Definition``, ``Fixpoint .. with``, ``Inductive`` with its
   constructors and schemes, ``Record``/``Class`` with constructor and fields,
   ``Axiom``/``Parameter``, ``Scheme``, ``Instance`` (anonymous ones as Coq names them),
   ``Add Morphism .. as``...), tracking ``Module``/``Section``/``End`` so that
   ``Nat.add_comm`` is looked up in ``Module Nat``; module types, functor bodies and a
   section's own ``Variable``/``Let`` declare no constant there. A constant the file does
   not declare by name gets the line of what created it: the ``Include`` that brought it
   (`link_sources` follows each ``Include F X <+ G`` to the body of F and G, in this file or
   another, when the name resolves to exactly one scanned module, functor or module type
   and is no functor parameter), else ``Module M := F X`` or the last ``Include`` of its
   module (an upper bound, so `accessible` errs on the side of leaving it out), the
   ``Program`` definition of an obligation, the
   ``Add Ring``/``Add Morphism``/``Scheme Equality``/``Hint Resolve ->`` that generates it;
   otherwise line 0 (in the standard library: 4 constants that tactics generate inside
   proofs).
4. Kind, from the declaring keyword: Theorem/Lemma/Fact/Remark/Corollary/Proposition/
   Property/Example -> theorem; Definition/Fixpoint/CoFixpoint/Instance/Function/
   Let/Coercion/Canonical, record fields, schemes, ``Add .. as`` -> definition;
   Axiom/Parameter/Conjecture/Hypothesis/Variable -> axiom; Inductive/CoInductive/Variant/
   Record/Structure/Class -> inductive (a definitional ``Class C := m : T`` -> definition),
   their constructors -> constructor; Primitive -> other. For constants without a
   keyword of their own (included, generated), Coq's logical kind (``Search [is:Lemma
   | ...]`` under ``Search Output Name Only``: names only, cheap), then ``Locate``
   (Inductive / Constructor / Constant). On the standard library this agrees with Coq's
   logical kinds everywhere except constants of sealed modules (``Module M : SIG``),
   which Coq records as the signature's Parameters.

5. Functor and module type bodies: ``Search`` cannot list their constants, yet a later
   proof in the same body uses them (``Coq.MSets.MSetRBT.MakeRaw.ok``). They are added from
   the source alone, named module path + enclosing module/functor names + name, with the
   keyword's kind and the declaring line, or, for what an ``Include`` in the body brings
   (``ZAddProp.add_comm`` from ``NZAddProp``), the Include's line; an included Module
   Type's ``Parameter``s are left out. Their type is the declaration's own text between
   its binders and ``:=`` (`_type_text`; "" when it has none), as Coq prints none.

Search hides constants on its blacklist (``_subproof``, ``_subterm``, ``Private_``):
they are internal, not premises.

The whole installed standard library (562 modules, 32,043 constants, every name checked
to ``Locate`` to itself) builds in about 35 s on two cores, most of it the one Search::

    python -m prover.data.premises --library stdlib --out out/premises/stdlib.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from prover.data.records import read_jsonl, write_jsonl
from prover.envs import limits as lim
from prover.envs.coq.document import CoqDocument, Done
from prover.envs.coq.replay import coqlib
from prover.envs.coq.sentences import SentenceSplitError, split_sentences, strip_comments
from prover.errors import ConfigError, EnvInitError, QueryError

__all__ = [
    "KINDS",
    "Premise",
    "PremiseIndex",
    "accessible",
    "build_corpus",
    "library_modules",
    "link_sources",
    "read_corpus",
    "scan_source",
    "write_corpus",
]

log = logging.getLogger(__name__)

KINDS = ("theorem", "definition", "inductive", "constructor", "axiom", "other")

REQUIRE_CHUNK = 50
"""Modules per ``Require`` sentence (and per progress line)."""
INSIDE_MAX = 64
"""Up to this many modules a search names them (``inside``); beyond, it excludes the prelude."""
SAMPLE = 30
"""Names per search checked with ``Locate``."""


@dataclass(frozen=True, slots=True)
class Premise:
    """A constant of a library that a theorem could use."""

    name: str
    """Fully qualified (``Coq.Arith.PeanoNat.Nat.add_comm``)."""
    type: str
    """As Coq prints it, on one line."""
    kind: str
    """``theorem``, ``definition``, ``inductive``, ``constructor``, ``axiom`` or ``other``."""
    module: str
    """The library module that declares it (``Coq.Arith.PeanoNat``)."""
    file: str
    """Path of the module's source relative to the library root, "" if unknown."""
    line: int
    """1-based line of the declaring sentence, 0 if unknown."""


# -- reading the source: where each name is declared ---------------------------------------

@dataclass(frozen=True, slots=True)
class Declared:
    """A name's declaring sentence in a source file."""

    line: int
    kind: str
    type: str = ""
    """The declaration's own text for its type, when the scanner kept it (functor bodies)."""


@dataclass(slots=True)
class SourceIndex:
    """What a source file declares, by name relative to the file (``Nat.add_comm``)."""

    names: dict[str, Declared] = field(default_factory=dict)
    weak: dict[str, Declared] = field(default_factory=dict)
    """Names generated by a declaration (schemes, anonymous instances): explicit ones win."""
    creators: dict[str, int] = field(default_factory=dict)
    """Module path -> line of what filled it wholesale (``Module M := F X``, the last ``Include``)."""
    patterns: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)
    """(module path, base-name pattern, line): names a command generates by rule
    (``Add Ring R`` makes ``R_ring_lemma1``, ``Scheme Equality`` makes ``T_beq``)."""
    scopes: dict[str, str] = field(default_factory=dict)
    """Every Module / functor / Module Type of the file, by full path (functor and type
    names included) -> ``module``, ``functor`` or ``type``."""
    params: dict[str, set[str]] = field(default_factory=dict)
    """Functor path -> its parameters' names."""
    body: dict[str, Declared] = field(default_factory=dict)
    """Every declared name by full path, inside functor and type bodies too (with a type)."""
    body_weak: dict[str, Declared] = field(default_factory=dict)
    includes: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)
    """(full path of the including scope, included module names as written, line)."""
    included: dict[str, int] = field(default_factory=dict)
    """Name (relative, in a real module) -> line of the ``Include`` that brought it, filled
    by `link_sources` from the included modules' bodies."""
    functors: dict[str, Declared] = field(default_factory=dict)
    """Constants of functor bodies by full path (``MakeRaw.ok``), filled by `link_sources`:
    declared there or brought by an ``Include`` there."""

    def find(self, relative: str) -> Declared | None:
        """The declaring sentence of `relative`; for generated names, what generated them."""
        found = self.names.get(relative) or self.weak.get(relative)
        if found is not None:
            return found
        path, _, base = relative.rpartition(".")
        for where, pattern, line in reversed(self.patterns):
            if where == path and pattern.match(base):
                return Declared(line, "")
        obligation = _OBLIGATION.match(base)
        if obligation is not None:
            parent = self.names.get(f"{path}.{obligation.group(1)}" if path else obligation.group(1))
            if parent is not None:
                return Declared(parent.line, "")
        if relative in self.included:
            return Declared(self.included[relative], "")
        while True:
            if path in self.creators:
                return Declared(self.creators[path], "")
            if not path:
                return None
            path = path.rpartition(".")[0]


_IDENT = r"[^\W\d][\w']*"
_IDENT_RE = re.compile(_IDENT)
_OBLIGATION = re.compile(r"^(.*)_obligation_\d+$")
_ATTRIBUTES = re.compile(r"^(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic|Cumulative"
                         r"|NonCumulative|Private|Program|Time|Succeed|Export|Import)\s+)+")
_THEOREMS = {"Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property", "Example"}
_DEFINITIONS = {"Definition", "Let", "Function", "Instance", "Canonical", "Coercion", "SubClass", "Primitive"}
_FIXPOINTS = {"Fixpoint", "CoFixpoint"}
_ASSUMPTIONS = {"Axiom", "Axioms", "Parameter", "Parameters", "Conjecture", "Conjectures", "Hypothesis",
                "Hypotheses", "Variable", "Variables"}
_INDUCTIVES = {"Inductive", "CoInductive", "Variant"}
_RECORDS = {"Record", "Structure", "Class"}
_SCHEME_SUFFIXES = ("_ind", "_rec", "_rect", "_sind")
_FUNCTION_SUFFIXES = ("_equation", "_ind", "_rect", "_rec", "_sind", "_tcc", "_terminate")


def _mask_strings(text: str) -> str:
    """`text` with string bodies replaced by ``_`` (same length): no bracket or keyword inside."""
    return re.sub(r'"(?:[^"]|"")*"', lambda m: '"' + "_" * (len(m.group()) - 2) + '"', text)


def _depths(text: str) -> list[int]:
    """Bracket depth (``()[]{}``) of each character of `text`: a bracket pair sits at the depth
    around it, so an unmatched closing bracket is at -1."""
    depth = 0
    out = []
    for char in text:
        if char in ")]}":
            depth -= 1
        out.append(depth)
        if char in "([{":
            depth += 1
    return out


def _split_top(text: str, separator: str, depths: list[int] | None = None, base: int = 0) -> list[str]:
    """`text` split at `separator` characters at bracket depth `base`."""
    depths = depths if depths is not None else _depths(text)
    parts, start = [], 0
    for i, char in enumerate(text):
        if char == separator and depths[i] == base:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _type_text(text: str, name: str | None) -> str:
    """What follows `name`'s binders in `text` up to its body: the text between the first
    top-level ``:`` and the top-level ``:=`` (``forall n, n + 0 = n``), "" without one. The
    type of a constant Coq cannot print (in a functor body), binders left out."""
    if not name:
        return ""
    at = re.search(rf"(?<![\w']){re.escape(name)}(?![\w'])", text)
    if at is None:
        return ""
    after = text[at.end():]
    depths = _depths(after)
    colon = next((i for i, c in enumerate(after) if c == ":" and depths[i] == 0
                  and not after.startswith(":=", i)), -1)
    if colon < 0:
        return ""
    start = colon + 2 if after.startswith(":>", colon) else colon + 1
    end = next((i for i in range(start, len(after) - 1) if after.startswith(":=", i) and depths[i] == 0),
               len(after))
    return " ".join(after[start:end].split())


def _first_ident(text: str) -> str | None:
    text = re.sub(r"^\s*(?:#\[[^\]]*\]\s*)*", "", text)
    found = _IDENT_RE.match(text.lstrip())
    return found.group() if found else None


def _top_keyword_positions(text: str, keyword: str) -> list[int]:
    depths = _depths(text)
    return [m.start() for m in re.finditer(rf"\b{keyword}\b", text) if depths[m.start()] == 0]


def _mutual_blocks(text: str) -> list[str]:
    """A ``Fixpoint``/``Inductive`` body cut at its top-level ``with NAME ... :=`` (mutual blocks).

    A ``match .. with`` is told apart by what follows: a branch reaches ``=>`` or ``|``
    before any ``:=``.
    """
    cuts = []
    for pos in _top_keyword_positions(text, "with"):
        rest = text[pos + 4:]
        if not _IDENT_RE.match(rest.lstrip()):
            continue
        assign = rest.find(":=")
        stops = [i for i in (rest.find("=>"), rest.find("|")) if i >= 0]
        if assign >= 0 and (not stops or assign < min(stops)):
            cuts.append(pos)
    blocks, start = [], 0
    for pos in cuts:
        blocks.append(text[start:pos])
        start = pos + 4
    blocks.append(text[start:])
    return blocks


def _before_where(text: str) -> str:
    positions = _top_keyword_positions(text, "where")
    return text[: positions[0]] if positions else text


def _assumption_names(rest: str) -> list[str]:
    rest = re.sub(r"^Inline(?:\s*\(\s*\d+\s*\))?\s*", "", rest.strip())
    if rest.startswith("("):
        depths = _depths(rest)
        names = []
        for m in re.finditer(r"\(([^():]*):", rest):
            if depths[m.start()] == 0:
                names += _IDENT_RE.findall(m.group(1))
        return names
    return _IDENT_RE.findall(rest.split(":", 1)[0])


@dataclass(slots=True)
class _Scope:
    kind: str  # module | functor | type | section
    name: str


class _Scanner:
    """Walks a file's sentences, keeping the Module/Section stack."""

    def __init__(self) -> None:
        self.index = SourceIndex()
        self.stack: list[_Scope] = []
        self.anonymous: dict[tuple[str, str], int] = defaultdict(int)

    @property
    def path(self) -> str:
        return ".".join(s.name for s in self.stack if s.kind == "module")

    @property
    def full(self) -> str:
        """The path with functor and module type names too (a functor body's own prefix)."""
        return ".".join(s.name for s in self.stack if s.kind != "section")

    @property
    def in_section(self) -> bool:
        return any(s.kind == "section" for s in self.stack)

    @property
    def real(self) -> bool:
        """True outside module types and functor bodies, whose contents are not constants."""
        return not any(s.kind in ("functor", "type") for s in self.stack)

    def qualify(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def add(self, name: str | None, line: int, kind: str, weak: bool = False, type_: str = "") -> None:
        if not name or name == "_":
            return
        full = f"{self.full}.{name}" if self.full else name
        (self.index.body_weak if weak else self.index.body).setdefault(full, Declared(line, kind, type_))
        if not self.real:
            return
        table = self.index.weak if weak else self.index.names
        table.setdefault(self.qualify(name), Declared(line, kind))

    def sentence(self, raw: str, line: int) -> None:
        text = _mask_strings(" ".join(strip_comments(raw).split()))
        text = _ATTRIBUTES.sub("", text).rstrip(".").strip()
        words = re.match(r"(\w+)\s*(.*)", text, re.DOTALL)
        if words is None:
            return
        head, rest = words.groups()
        if head == "Identity":  # Identity Coercion NAME : A >-> B
            head, _, rest = rest.partition(" ")
            rest = rest.replace(":", ":=", 1)
        if head in ("Module", "Section", "End", "Include", "Declare"):
            self.scope(head, rest, line)
        elif head in _THEOREMS:
            name = _first_ident(rest)
            self.add(name, line, "theorem", type_=_type_text(rest, name))
        elif head in _FIXPOINTS:
            for block in _mutual_blocks(rest):
                name = _first_ident(block)
                self.add(name, line, "definition", type_=_type_text(block, name))
        elif head in _DEFINITIONS:
            self.definition(head, rest, line)
        elif head in _ASSUMPTIONS:
            if head.startswith(("Variable", "Hypothes")) and self.in_section:
                return  # a section's own hypotheses, not constants
            names = _assumption_names(rest)
            for name in names:
                self.add(name, line, "axiom", type_=_type_text(rest, names[-1]))
        elif head in _INDUCTIVES:
            for block in _mutual_blocks(_before_where(rest)):
                self.inductive(block, line)
        elif head in _RECORDS:
            self.record(head, _before_where(rest), line)
        elif head in ("Scheme", "Combined"):
            for name in re.findall(rf"(?:^|\bwith\s+|^Scheme\s+)({_IDENT})\s*:=", rest):
                self.add(name, line, "definition")
            if re.match(r"^(?:Boolean\s+)?Equality\b", rest):
                # T_beq, T_eq_dec, internal_T_dec_bl, ... (T the inductive behind a notation)
                self.pattern(r"(?:internal_)?\w+_(?:beq|eq_dec|dec_bl|dec_lb)\d*$", line)
            combined = re.match(rf"^Scheme\s+({_IDENT})\s+from\b", rest)
            if combined:
                self.add(combined.group(1), line, "definition")
        elif head == "Add":
            named = re.search(rf"\bas\s+({_IDENT})\s*$", rest)
            if named:  # Add Morphism f .. as m: m, m_Proper; Add Relation .. as r: r_Reflexive, ...
                self.add(named.group(1), line, "definition")  # Coq's kind for them, proof or not
                self.pattern(re.escape(named.group(1)) + "_", line)
            ring = re.match(rf"^(?:Ring|Field)\s+({_IDENT})", rest)
            if ring:  # R_ring_lemma1, R_field_lemma1, ...
                self.pattern(re.escape(ring.group(1)) + "_", line)
        elif head == "Hint":
            # Hint Resolve -> L generates L_proj_l2r (<-: L_proj_r2l) in the current module.
            for arrow, name in re.findall(r"(->|<-)\s*([\w'.]+)", rest):
                base = name.rpartition(".")[2]
                self.add(f"{base}_proj_{'l2r' if arrow == '->' else 'r2l'}", line, "definition", weak=True)
        elif head == "Derive":
            for name in re.findall(rf"(?:^|\bAs\s+)({_IDENT})", rest):
                self.add(name, line, "definition")

    def pattern(self, regex: str, line: int) -> None:
        if self.real:
            self.index.patterns.append((self.path, re.compile(regex), line))

    def scope(self, head: str, rest: str, line: int) -> None:
        if head == "Section":
            self.stack.append(_Scope("section", _first_ident(rest) or ""))
        elif head == "End":
            name = _first_ident(rest) or ""
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i].name == name:
                    del self.stack[i:]
                    break
        elif head == "Include":
            if self.real:
                self.index.creators[self.path] = line
            self.include(self.full, re.sub(r"^Type\s+", "", rest), line)
        elif head == "Declare":
            declared = re.match(rf"^Module\s+(?:(?:Import|Export)\s+)?({_IDENT})", rest)
            if declared and self.real:
                self.index.creators[self.qualify(declared.group(1))] = line
        else:  # Module
            is_type = rest.startswith("Type ")
            if is_type:
                rest = rest[5:]
            rest = re.sub(r"^(?:Import|Export)\s+", "", rest)
            name = _first_ident(rest)
            if name is None:
                return
            after = rest[len(name):]
            # ``with Definition t := nat`` refines a signature; it does not define the module.
            unrefined = re.sub(r"\bwith\s+(?:Definition|Module)\s+[\w'.]+\s*:=", " ", after)
            defines = ":=" in unrefined
            functor = after.lstrip().startswith("(")
            kind = "type" if is_type else "functor" if functor else "module"
            full = f"{self.full}.{name}" if self.full else name
            self.index.scopes.setdefault(full, kind)
            if functor:
                binders = re.findall(r"\(\s*((?:[\w']+\s+)*?[\w']+)\s*:", after)
                self.index.params[full] = {n for b in binders for n in b.split() if n not in ("Import", "Export")}
            if defines:
                if not is_type and not functor and self.real:
                    self.index.creators[self.qualify(name)] = line
                # ``Module Type T := A <+ B X``: its body is what A and B's bodies hold
                expression = unrefined.split(":=", 1)[1]
                self.include(full, expression, line)
                return
            self.stack.append(_Scope(kind, name))

    def include(self, where: str, expression: str, line: int) -> None:
        """Record that scope `where` holds the bodies of `expression` (``F X <+ G``) from `line`."""
        targets = tuple(found.group(1) for part in expression.split("<+")
                        if (found := re.match(rf"\s*({_IDENT}(?:\.{_IDENT})*)", part)) is not None)
        if targets:
            self.index.includes.append((where, targets, line))

    def definition(self, head: str, rest: str, line: int) -> None:
        if head == "Let" and self.in_section:
            return  # local to the section
        if head == "Instance" and rest.lstrip().startswith(":"):
            # Coq names an anonymous instance after its class: Proper_instance_0, _1, ...
            cls = _IDENT_RE.search(rest.lstrip()[1:].lstrip("!{@ "))
            if cls is not None:
                key = (self.path, cls.group())
                self.add(f"{cls.group()}_instance_{self.anonymous[key]}", line, "definition", weak=True)
                self.anonymous[key] += 1
            return
        if head in ("Canonical", "Coercion", "SubClass"):
            rest = re.sub(r"^Structure\s+", "", rest)
            if ":=" not in rest:  # declares an existing constant canonical / a coercion
                return
        name = _first_ident(rest)
        kind = "other" if head == "Primitive" else "definition"
        self.add(name, line, kind, type_=_type_text(rest, name))
        if head == "Function" and name:
            for suffix in _FUNCTION_SUFFIXES:
                self.add(name + suffix, line, "definition", weak=True)
            self.add(f"R_{name}", line, "inductive", weak=True)
            for suffix in ("_correct", "_complete"):
                self.add(f"R_{name}{suffix}", line, "theorem", weak=True)

    def inductive(self, block: str, line: int) -> None:
        name = _first_ident(block)
        if name is None:
            return
        self.add(name, line, "inductive", type_=_type_text(block, name))
        for suffix in _SCHEME_SUFFIXES:
            self.add(name + suffix, line, "definition", weak=True)
        depths = _depths(block)
        assign = next((i for i in range(len(block) - 1) if block.startswith(":=", i) and depths[i] == 0), -1)
        if assign < 0:
            return
        body = block[assign + 2:]
        if body.lstrip().startswith("{") or re.match(rf"^\s*{_IDENT}\s*\{{", body):
            self.fields(name, body, line)
            return
        for part in _split_top(body, "|"):
            constructor = _first_ident(part)
            self.add(constructor, line, "constructor", type_=_type_text(part, constructor))

    def record(self, head: str, rest: str, line: int) -> None:
        name = _first_ident(rest)
        if name is None:
            return
        depths = _depths(rest)
        assign = next((i for i in range(len(rest) - 1) if rest.startswith(":=", i) and depths[i] == 0), -1)
        body = rest[assign + 2:] if assign >= 0 else ""
        if head == "Class" and assign >= 0 and "{" not in body.split(":", 1)[0]:
            # A definitional class: ``Class C := m : T``, a constant and a method.
            self.add(name, line, "definition")
            self.add(_first_ident(body), line, "definition")
            return
        self.add(name, line, "inductive", type_=_type_text(rest, name))
        for suffix in _SCHEME_SUFFIXES:
            self.add(name + suffix, line, "definition", weak=True)
        self.fields(name, body, line)

    def fields(self, name: str, body: str, line: int) -> None:
        brace = body.find("{")
        constructor = _first_ident(body[:brace]) if brace > 0 else None
        self.add(constructor or f"Build_{name}", line, "constructor")
        if brace < 0:
            return
        inner = body[brace + 1:]
        depths = _depths(inner)
        close = next((i for i, c in enumerate(inner) if c == "}" and depths[i] < 0), len(inner))
        inner = inner[:close]
        for part in _split_top(inner, ";", depths[:close]):
            member = _first_ident(part)
            self.add(member, line, "definition", type_=_type_text(part, member))


def scan_source(source: str) -> SourceIndex:
    """Where `source` declares each name (relative to the file: ``Nat.add_comm``).

    Raises SentenceSplitError when the file cannot be cut into sentences.
    """
    scanner = _Scanner()
    for sentence in split_sentences(source):
        scanner.sentence(sentence.text, sentence.line)
    return scanner.index


class _Linker:
    """Resolves ``Include`` across a library's files: what each module body holds."""

    def __init__(self, indexes: dict[str, SourceIndex]) -> None:
        self.indexes = indexes
        self.by_last: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for module, index in indexes.items():
            for scope in index.scopes:
                self.by_last[scope.rpartition(".")[2]].append((module, scope))
        self.memo: dict[tuple[str, str], dict[str, Declared]] = {}
        self.active: set[tuple[str, str]] = set()

    def _plain(self, index: SourceIndex, outer: str, inner: str) -> bool:
        """True when every scope strictly between `outer` and `inner` (a path below it) is a
        plain module: a nested functor or module type declares no constant of `outer`."""
        parts = inner.split(".")
        start = len(outer.split(".")) if outer else 0
        return all(index.scopes.get(".".join(parts[:k])) == "module" for k in range(start + 1, len(parts) + 1))

    def resolve(self, module: str, where: str, target: str) -> tuple[str, str] | None:
        """The (file module, scope) that ``Include target`` in scope `where` of `module` names,
        None when unsure (a functor parameter, a module this file makes by application, or
        a name several files declare)."""
        index = self.indexes[module]
        parts = where.split(".") if where else []
        enclosing = {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
        head = target.split(".")[0]
        if any(head in names for scope, names in index.params.items() if scope in enclosing):
            return None
        for k in range(len(parts), -1, -1):
            candidate = ".".join([*parts[:k], target])
            if candidate in index.scopes and candidate != where:
                return module, candidate
        if any(c == head or c.endswith("." + head) for c in index.creators):
            return None  # ``Module Foo := F X`` in this file: its contents are unknown
        last = target.rpartition(".")[2]
        options = [(m, scope) for m, scope in self.by_last.get(last, ())
                   if m != module and f"{m}.{scope}".endswith("." + target)]
        return options[0] if len(options) == 1 else None

    def body(self, module: str, scope: str) -> dict[str, Declared]:
        """Names relative to `scope` of `module` that its body declares or includes."""
        key = (module, scope)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return {}
        self.active.add(key)
        index = self.indexes[module]
        out: dict[str, Declared] = {}
        prefix = scope + "."
        for table in (index.body, index.body_weak):
            for name, declared in table.items():
                if name.startswith(prefix) and self._plain(index, scope, name.rpartition(".")[0]):
                    out.setdefault(name[len(prefix):], declared)
        for where, targets, line in index.includes:
            if where != scope and not (where.startswith(prefix) and self._plain(index, scope, where)):
                continue
            inner = where[len(prefix):] + "." if where != scope else ""
            for name, declared in self.included(module, where, targets).items():
                out.setdefault(inner + name, Declared(line, declared.kind, declared.type))
        self.active.discard(key)
        self.memo[key] = out
        return out

    def included(self, module: str, where: str, targets: Sequence[str]) -> dict[str, Declared]:
        """What an ``Include`` of `targets` in scope `where` brings, relative to `where`.

        A Module Type's Parameters are left out: they are not constants once included."""
        out: dict[str, Declared] = {}
        for target in targets:
            found = self.resolve(module, where, target)
            if found is None:
                continue
            signature = self.indexes[found[0]].scopes.get(found[1]) == "type"
            for name, declared in self.body(*found).items():
                if not (signature and declared.kind == "axiom"):
                    out.setdefault(name, declared)
        return out


def link_sources(indexes: dict[str, SourceIndex]) -> None:
    """Fill each index's `SourceIndex.included` and `SourceIndex.functors` (see there),
    following ``Include`` into the bodies of other files' modules, functors and module types.

    An ``Include F X`` in scope P brings every constant of F's body (F's own Parameters
    excepted when F is a Module Type) as ``P.name`` at the Include's line. Only includes
    whose target resolves to one scanned scope are followed."""
    linker = _Linker(indexes)
    for module, index in indexes.items():
        for where, targets, line in index.includes:
            if linker._plain(index, "", where):  # in a real module: place Search's names
                brought = linker.included(module, where, targets)
                for name in brought:
                    index.included.setdefault(f"{where}.{name}" if where else name, line)
        for scope, kind in index.scopes.items():
            if kind == "module" or any(index.scopes.get(s) == "type" for s in _prefixes(scope)):
                continue
            for name, declared in linker.body(module, scope).items():
                index.functors.setdefault(f"{scope}.{name}", declared)


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


# -- asking Coq ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Found:
    printed: str
    type: str
    name: str = ""
    module: str = ""
    object_kind: str = ""
    """What ``Locate`` said (Constant, Inductive, Constructor), when it was asked."""


_ENTRY = re.compile(rf"^({_IDENT}(?:\.{_IDENT})*):(?:\s|$)")
_LOCATED = re.compile(r"^(\w+)\s+(\S+)")


def _parse_search(output: str) -> list[_Found]:
    """``name: type`` entries of a Search output; continuation lines are indented."""
    found: list[_Found] = []
    current: list[str] | None = None
    name = ""

    def flush() -> None:
        if current is not None:
            found.append(_Found(name, " ".join(" ".join(current).split())))

    for line in output.splitlines():
        if line[:1].isspace():
            if current is not None:
                current.append(line)
            continue
        flush()
        entry = _ENTRY.match(line)
        if entry is None:  # ``(use "About" for full details ...)`` and other notes
            current = None
            continue
        name = entry.group(1)
        current = [line[entry.end():]]
    flush()
    return found


def _parse_names(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if _ENTRY.match(line.strip() + ":")]


def _libraries(doc: CoqDocument, timeout: float) -> list[str]:
    out = doc.query("Print Libraries.", timeout=timeout)
    return [line.strip() for line in out.splitlines()[1:] if line.startswith(" ") and line.strip()]


class _Libraries:
    """Loaded libraries by base name, to read printed names back into full ones."""

    def __init__(self, libraries: Iterable[str], imported: Iterable[str] = ()) -> None:
        self.by_base: dict[str, list[list[str]]] = defaultdict(list)
        for library in libraries:
            path = library.split(".")
            self.by_base[path[-1]].append(path)
        self.imported = list(imported)

    def candidates(self, printed: str) -> set[tuple[str, str]]:
        """(module, full name) pairs that `printed` could stand for.

        A required-only library's names print as a suffix of their full path that starts
        at (or before) the library's base name: ``PeanoNat.Nat.add_comm`` is
        ``Coq.Arith.PeanoNat`` + ``Nat.add_comm``. Imported modules' names may print bare.
        """
        parts = printed.split(".")
        out = {(module, f"{module}.{printed}") for module in self.imported}
        for k in range(1, len(parts)):
            for path in self.by_base.get(parts[k - 1], ()):
                if len(path) >= k and path[-k:] == parts[:k]:
                    out.add((".".join(path), ".".join(path + parts[k:])))
        return out


def _owner(name: str, libraries: Sequence[str]) -> str:
    """The library a full name belongs to: the longest loaded library path prefixing it."""
    best = ""
    for lib in libraries:
        if len(lib) > len(best) and name.startswith(lib + "."):
            best = lib
    return best


class _Session:
    """One coqidetop with a batch of modules required, and the queries on it."""

    def __init__(self, args: tuple[str, ...], limits: lim.Limits, timeout: float,
                 progress: Callable[[str], None]) -> None:
        self.doc = CoqDocument(args, limits)
        self.timeout = timeout
        self.progress = progress
        self.locates = 0
        try:
            # A first sentence: coqidetop answers no query at its root state.
            outcome = self.doc.advance("Unset Search Output Name Only.", timeout)
            if not isinstance(outcome, Done):
                raise EnvInitError(f"coqidetop refused a plain option: {outcome}")
            self.initial = _libraries(self.doc, timeout)
        except BaseException:
            self.doc.close()
            raise
        self.loaded: list[str] = list(self.initial)

    def close(self) -> None:
        self.doc.close()

    def require(self, modules: Sequence[str], chunk: int = REQUIRE_CHUNK) -> list[str]:
        """Require `modules` (those not loaded yet); the ones that could not be."""
        start = time.monotonic()
        failed: list[str] = []
        todo = [m for m in modules if m not in self.initial]
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            if not isinstance(self.doc.advance(f"Require {' '.join(part)}.", self.timeout), Done):
                for module in part:
                    outcome = self.doc.advance(f"Require {module}.", self.timeout)
                    if not isinstance(outcome, Done):
                        log.warning("cannot require %s beside the others: %s", module, outcome)
                        failed.append(module)
            if len(todo) > chunk:
                self.progress(f"required {min(i + chunk, len(todo))}/{len(todo)} modules "
                              f"({time.monotonic() - start:.1f}s)")
        self.loaded = _libraries(self.doc, self.timeout)
        return failed

    def scope(self, modules: Sequence[str]) -> tuple[str, list[str]]:
        """A Search clause covering `modules` (none imported) and the libraries it may print."""
        if len(modules) <= INSIDE_MAX:
            return f" inside {' '.join(modules)}", list(modules)
        clause = f" outside {' '.join(self.initial)}" if self.initial else ""
        return clause, [lib for lib in self.loaded if lib not in self.initial]

    def locate(self, printed: str) -> tuple[str, str] | None:
        """(object kind, full name) that `printed` refers to."""
        self.locates += 1
        try:
            out = self.doc.query(f"Locate {printed}.", timeout=self.timeout)
        except QueryError:
            return None
        found = _LOCATED.match(out)
        return (found.group(1), found.group(2)) if found else None

    def search(self, modules: Sequence[str]) -> list[_Found]:
        """Every constant of `modules` (loaded ones), with its full name and module."""
        wanted = set(modules)
        initial = [m for m in modules if m in self.initial]
        rest = [m for m in modules if m not in self.initial]
        found: list[_Found] = []
        if initial:
            found += self._search_part(f" inside {' '.join(initial)}", initial, initial)
        if rest:
            clause, libraries = self.scope(rest)
            found += self._search_part(clause, libraries, [])
        return [f for f in found if f.module in wanted]

    def _search_part(self, clause: str, libraries: list[str], imported: list[str]) -> list[_Found]:
        start = time.monotonic()
        entries = _parse_search(self.doc.query(f"Search _{clause}.", timeout=self.timeout))
        names = _Libraries(libraries, imported)
        unsure = []
        for entry in entries:
            options = names.candidates(entry.printed)
            if len(options) == 1:
                entry.module, entry.name = options.pop()
            else:
                unsure.append(entry)
        sure = [e for e in entries if e.name]
        step = max(1, len(sure) // SAMPLE)
        if any(self._resolve(e, check=True) is False for e in sure[::step]):
            log.warning("names printed by `Search _%s` do not all resolve by suffix: using Locate for all",
                        clause[:60])
            unsure = entries
        for entry in unsure:
            self._resolve(entry)
        self.progress(f"searched {len(entries)} constants, {len(unsure)} located "
                      f"({time.monotonic() - start:.1f}s)")
        return [e for e in entries if e.name]

    def _resolve(self, entry: _Found, check: bool = False) -> bool:
        located = self.locate(entry.printed)
        if located is None:
            log.warning("Locate %s: no object", entry.printed)
            entry.name = entry.module = ""
            return False
        kind, name = located
        same = name == entry.name
        if check and not same:
            log.warning("%s resolved to %s by suffix, Locate says %s", entry.printed, entry.name, name)
        entry.object_kind = kind
        entry.name = name
        entry.module = _owner(name, self.loaded)
        return same

    def logical_kinds(self, modules: Sequence[str]) -> dict[str, str]:
        """Printed name -> kind, from Coq's logical kinds (``Search is:Lemma``) in `modules`."""
        if not modules:
            return {}
        if not any(m in self.initial for m in modules):
            clause = self.scope(modules)[0]
        elif len(modules) <= INSIDE_MAX:
            clause = f" inside {' '.join(modules)}"
        else:
            clause = ""
        if not isinstance(self.doc.advance("Set Search Output Name Only.", self.timeout), Done):
            return {}
        kinds: dict[str, str] = {}
        try:
            for tokens, kind in _LOGICAL_KINDS:
                query = " | ".join(f"is:{token}" for token in tokens.split())
                out = self.doc.query(f"Search [ {query} ]{clause}.", timeout=self.timeout)
                for name in _parse_names(out):
                    kinds.setdefault(name, kind)
        finally:
            self.doc.advance("Unset Search Output Name Only.", self.timeout)
        return kinds


# Coq's logical kinds (the keyword a constant was declared with), searchable with ``is:``;
# Hypothesis = Axiom, Variable = Parameter. Not the status kinds (Instance, Scheme, Coercion,
# Canonical): those match inductive types and constructors too.
_LOGICAL_KINDS = (
    ("Theorem Lemma Fact Remark Corollary Proposition Property Example", "theorem"),
    ("Axiom Parameter Conjecture", "axiom"),
    ("Definition Field Method", "definition"),
    ("Primitive", "other"),
)
_OBJECT_KINDS = {"Inductive": "inductive", "Constructor": "constructor", "Constant": "definition"}


# -- the corpus ---------------------------------------------------------------------------

def _sources(modules: Sequence[tuple[str, str]], root: str | os.PathLike[str] | None
             ) -> dict[str, SourceIndex]:
    indexes: dict[str, SourceIndex] = {}
    if root is None:
        return indexes
    for module, relpath in modules:
        path = Path(root, relpath)
        try:
            indexes[module] = scan_source(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SentenceSplitError) as exc:
            log.warning("cannot read the declarations of %s (%s): %s", module, path, exc)
    return indexes


def _premises(session: _Session, found: list[_Found], files: dict[str, str],
              indexes: dict[str, SourceIndex]) -> list[Premise]:
    """Premises of `found`: position from the source, kind from it or else from Coq."""
    start, locates = time.monotonic(), session.locates
    placed: list[tuple[_Found, int, str]] = []
    for entry in found:
        index = indexes.get(entry.module)
        relative = entry.name[len(entry.module) + 1:]
        declared = index.find(relative) if index is not None else None
        placed.append((entry, declared.line if declared else 0, declared.kind if declared else ""))
    unknown = sorted({e.module for e, _, kind in placed if not kind and e.object_kind in ("", "Constant")})
    logical = session.logical_kinds(unknown) if unknown else {}
    premises = []
    for entry, line, declared in placed:
        kind = declared
        if not kind and entry.object_kind in ("", "Constant"):
            kind = logical.get(entry.printed, "")
        if not kind:
            if not entry.object_kind:
                located = session.locate(entry.printed)
                entry.object_kind = located[0] if located else ""
            kind = _OBJECT_KINDS.get(entry.object_kind, "other")
        file = files.get(entry.module, "")
        premises.append(Premise(entry.name, entry.type, kind, entry.module, file, line))
    session.progress(f"kinds of {len(unknown)} modules' undeclared constants from Coq, "
                     f"{session.locates - locates} located ({time.monotonic() - start:.1f}s)")
    return premises


def _functor_premises(premises: Sequence[Premise], files: dict[str, str],
                      indexes: dict[str, SourceIndex], loaded: set[str]) -> list[Premise]:
    """The constants of functor bodies (`SourceIndex.functors`) of the modules in `premises`.

    ``Search`` cannot list them, yet a later proof in the same functor uses them
    (``Coq.MSets.MSetRBT.MakeRaw.ok``). Their type is the declaration's own text after its
    binders (`_type_text`), since Coq prints no type for them; kind from the keyword."""
    known = {p.name for p in premises}
    out = []
    for module, index in indexes.items():
        if module not in loaded:
            continue
        for relative, declared in index.functors.items():
            name = f"{module}.{relative}"
            if name not in known:
                known.add(name)
                out.append(Premise(name, declared.type, declared.kind or "definition", module,
                                   files.get(module, ""), declared.line))
    return out


def build_corpus(
    modules: Sequence[tuple[str, str]],
    args: tuple[str, ...] = (),
    limits: lim.Limits = lim.DEFAULT_LIMITS,
    *,
    root: str | os.PathLike[str] | None = None,
    timeout: float = 900.0,
    progress: Callable[[str], None] | None = None,
) -> list[Premise]:
    """The premises declared by `modules`, (module, path relative to `root`) pairs.

    `args` are coqidetop flags (load paths); `root` is the library's source directory
    (without it, lines are 0 and kinds come from Coq alone). `timeout` bounds each
    query (a whole-library Search takes tens of seconds). `progress` receives a line
    now and then. A module that cannot be loaded at all is left out with a warning.
    Sorted by module (in the order given), then line, then name.
    """
    say = progress or (lambda _line: None)
    names = [m for m, _ in modules]
    if len(set(names)) != len(names):
        raise ConfigError("build_corpus: a module is listed twice")
    files = dict(modules)
    start = time.monotonic()
    indexes = _sources(modules, root)
    link_sources(indexes)
    say(f"read {len(indexes)} source files ({time.monotonic() - start:.1f}s)")
    premises: list[Premise] = []
    session = _Session(args, limits, timeout, say)
    try:
        failed = session.require(names)
        loaded = [m for m in names if m not in failed]
        premises += _premises(session, session.search(loaded), files, indexes)
    finally:
        session.close()
    left_out: set[str] = set()
    for module in failed:  # alone in a fresh coqidetop
        session = _Session(args, limits, timeout, say)
        try:
            if session.require([module]):
                log.warning("left out %s: it cannot be required", module)
                left_out.add(module)
                continue
            premises += _premises(session, session.search([module]), files, indexes)
        finally:
            session.close()
    premises += _functor_premises(premises, files, indexes, set(names) - left_out)
    order = {m: i for i, m in enumerate(names)}
    premises.sort(key=lambda p: (order[p.module], p.line, p.name))
    return premises


def write_corpus(path: str | os.PathLike[str], premises: Iterable[Premise]) -> int:
    """Write `premises` as JSON Lines to `path` atomically; how many."""
    return write_jsonl(path, premises)


_FIELDS = {f.name: f.type for f in fields(Premise)}


def read_corpus(path: str | os.PathLike[str]) -> list[Premise]:
    """The premises of a JSON Lines file written by `write_corpus`."""
    premises = []
    for number, data in enumerate(read_jsonl(path), 1):
        try:
            premises.append(Premise(**{k: data[k] for k in _FIELDS}))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: record {number}: not a premise record ({exc!r})") from exc
    return premises


# -- what a theorem may use ---------------------------------------------------------------

class PremiseIndex:
    """`accessible` for many theorems: the corpus grouped by module, lines sorted."""

    def __init__(self, premises: Iterable[Premise]) -> None:
        grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for premise in premises:
            grouped[premise.module].append((premise.line, premise.name))
        self._lines: dict[str, list[int]] = {}
        self._names: dict[str, list[str]] = {}
        for module, items in grouped.items():
            items.sort()
            self._lines[module] = [line for line, _ in items]
            self._names[module] = [name for _, name in items]

    def accessible(self, requires: Iterable[str], module: str, line: int) -> set[str]:
        """Names a theorem at `line` of `module` may use (see `accessible`)."""
        out: set[str] = set()
        for required in set(requires) - {module}:
            out.update(self._names.get(required, ()))
        lines = self._lines.get(module)
        if lines:
            # Line 0 (position unknown) is never "before": it could be anywhere.
            out.update(self._names[module][bisect.bisect_right(lines, 0):bisect.bisect_left(lines, line)])
        return out


def accessible(premises: Iterable[Premise], requires: Iterable[str], module: str, line: int) -> set[str]:
    """Names a theorem declared at `line` of `module` may use.

    Every premise of a module in `requires` (the modules its file loads, transitively),
    plus the premises of its own module declared on an earlier line. Those of its own
    module whose line is unknown (0) are left out: they could come after it. For many
    theorems build a `PremiseIndex` once instead.
    """
    return PremiseIndex(premises).accessible(requires, module, line)


# -- the standard library, for measuring ----------------------------------------------------

def library_modules(root: str | os.PathLike[str], prefix: str) -> list[tuple[str, str]]:
    """(module, relative path) of every ``.v`` file under `root`, bound to logical `prefix`."""
    out = []
    for path in sorted(Path(root).rglob("*.v")):
        relative = path.relative_to(root).as_posix()
        out.append((".".join([prefix, *relative[:-2].split("/")]), relative))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prover.data.premises",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--library", choices=["stdlib"], default="stdlib")
    parser.add_argument("--out", required=True, type=Path, help="JSON Lines file to write")
    parser.add_argument("--modules", default=None, help="only modules whose name matches this regex")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    root = Path(coqlib(), "theories")
    modules = library_modules(root, "Coq")
    if options.modules:
        modules = [(m, p) for m, p in modules if re.search(options.modules, m)]
    start = time.monotonic()

    def progress(line: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {line}", file=sys.stderr, flush=True)

    premises = build_corpus(modules, root=root, progress=progress)
    count = write_corpus(options.out, premises)
    kinds = defaultdict(int)
    for premise in premises:
        kinds[premise.kind] += 1
    placed = sum(1 for p in premises if p.line)
    print(json.dumps({
        "modules": len(modules), "premises": count, "seconds": round(time.monotonic() - start, 1),
        "with_line": placed, "kinds": dict(sorted(kinds.items())), "out": str(options.out),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
